"""An app per test on each backend, with one API key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import EXAMPLES

from fairgate.bench.processes import RedisServer
from fairgate.service.app import create_app
from fairgate.service.keys import KeyRing
from fairgate.settings import Settings
from fairgate.store import open_store


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    app: FastAPI

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"} if role else {}

    def get(self, path: str, role: str | None = "platform", **kw: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(role), **kw)  # type: ignore[arg-type]

    def post(self, path: str, role: str | None = "platform", **kw: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.headers(role), **kw)  # type: ignore[arg-type]


def make_keys(url: str) -> dict[str, str]:
    with open_store(url) as store:
        ring = KeyRing(store, cache_seconds=0)
        return {
            role: ring.create(name=f"test-{role}", role=role, by="test").key
            for role in ("platform", "reviewer", "admin")
        }


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url, policy_path=EXAMPLES / "policy.yaml", feed_poll_interval_s=0.05
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    keys = make_keys(settings.database_url)
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, keys, app)


@pytest.fixture
def spam_list(api: Api) -> None:
    assert (
        api.post("/v1/lists", "reviewer", json={"name": "spam-terms", "type": "text"}).status_code
        == 201
    )
    added = api.post("/v1/lists/spam-terms/entries", "reviewer", json={"terms": ["cheap pills"]})
    assert added.status_code == 201, added.text


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis server, so a test may stop and start it."""
    try:
        server = RedisServer(tmp_path)
    except FileNotFoundError:
        pytest.skip("redis-server is not installed")
    server.start()
    yield server
    server.stop()
