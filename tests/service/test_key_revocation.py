"""A key revoked anywhere (another worker, the CLI) stops working on every
worker by its next database check, however long keys are cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.service.conftest import make_keys

from fairgate.bench.processes import RedisServer, wait_until
from fairgate.service.app import create_app
from fairgate.service.keys import KeyRing
from fairgate.settings import Settings
from fairgate.store import api_keys as key_rows
from fairgate.store import open_store


def _prefix(key: str) -> str:
    return key.split("_")[1]


def test_a_ring_forgets_its_cache_when_a_key_was_revoked_elsewhere(db_url: str) -> None:
    key = make_keys(db_url)["platform"]
    with open_store(db_url) as store:
        here, there = (KeyRing(store, cache_seconds=3600) for _ in range(2))
        assert here.check_revocations() is False  # the first check only counts
        assert here.verify(key) is not None
        there.revoke(_prefix(key))
        assert here.cached(key)[1] is not None  # still trusted from the cache
        assert here.check_revocations() is True
        assert here.cached(key) == (False, None)
        assert here.verify(key) is None
        assert here.check_revocations() is False  # nothing new since


def test_a_lookup_that_raced_a_revocation_is_not_cached(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = make_keys(db_url)["platform"]
    with open_store(db_url) as store:
        here, there = (KeyRing(store, cache_seconds=3600) for _ in range(2))
        here.check_revocations()
        by_prefix = key_rows.by_prefix

        def read_then_revoke(conn, prefix):  # type: ignore[no-untyped-def]
            record = by_prefix(conn, prefix)  # read before the revocation commits
            monkeypatch.setattr(key_rows, "by_prefix", by_prefix)
            there.revoke(prefix)
            assert here.check_revocations() is True
            return record

        monkeypatch.setattr(key_rows, "by_prefix", read_then_revoke)
        assert here.verify(key) is not None  # the answer as read, once
        assert here.cached(key) == (False, None)  # but not kept
        assert here.verify(key) is None


@pytest.mark.parametrize("with_redis", [False, True], ids=["polling", "redis"])
def test_a_key_revoked_on_one_worker_stops_on_the_other(
    settings: Settings, tmp_path: Path, with_redis: bool, request: pytest.FixtureRequest
) -> None:
    update: dict[str, object] = {"api_key_cache_seconds": 3600.0}
    if with_redis:
        server: RedisServer = request.getfixturevalue("redis_server")
        # Redis wakes the other worker; its own database checks are minutes apart.
        update |= {"redis_url": server.url, "feed_redis_poll_interval_s": 600.0}
    slow_cache = settings.model_copy(update=update)
    keys = make_keys(slow_cache.database_url)
    platform = {"Authorization": f"Bearer {keys['platform']}"}
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(slow_cache)) as one, TestClient(create_app(slow_cache)) as two:
        assert two.get("/v1/accounts/u1", headers=platform).status_code == 200  # cached there
        revoked = one.post(f"/v1/admin/keys/{_prefix(keys['platform'])}/revoke", headers=admin)
        assert revoked.status_code == 200
        assert one.get("/v1/accounts/u1", headers=platform).status_code == 401
        wait_until(
            lambda: two.get("/v1/accounts/u1", headers=platform).status_code == 401,
            10,
            "the other worker to refuse the revoked key",
        )


def test_a_key_revoked_by_the_cli_stops_on_a_running_worker(settings: Settings) -> None:
    keys = make_keys(settings.database_url)
    platform = {"Authorization": f"Bearer {keys['platform']}"}
    slow_cache = settings.model_copy(update={"api_key_cache_seconds": 3600.0})
    with TestClient(create_app(slow_cache)) as worker:
        assert worker.get("/v1/accounts/u1", headers=platform).status_code == 200
        with open_store(settings.database_url) as store:  # as `fairgate keys revoke` does
            KeyRing(store, cache_seconds=0).revoke(_prefix(keys["platform"]))
        wait_until(
            lambda: worker.get("/v1/accounts/u1", headers=platform).status_code == 401,
            10,
            "the worker to refuse the revoked key",
        )
