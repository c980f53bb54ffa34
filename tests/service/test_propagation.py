"""Several ``fairgate serve`` processes share one database (and Redis): a list
change made through one is applied by the others, and with Redis stopped
mid-test nothing is lost: the others catch up from the database."""

from __future__ import annotations

from pathlib import Path

from tests.service.conftest import make_keys

from fairgate.bench.processes import RedisServer, Worker, wait_until


def _blocked(worker: Worker, key: str, text: str) -> bool:
    response = worker.client.post(
        "/v1/screen",
        headers={"Authorization": f"Bearer {key}"},
        json={"sender": "probe", "text": text},
    )
    response.raise_for_status()
    return bool(response.json()["action"] == "block")


def test_changes_propagate_across_processes_and_survive_a_redis_outage(
    db_url: str, tmp_path: Path, redis_server: RedisServer
) -> None:
    keys = make_keys(db_url)
    a = Worker(db_url, redis_url=redis_server.url, cwd=tmp_path)
    b = Worker(db_url, redis_url=redis_server.url, cwd=tmp_path)
    reviewer = {"Authorization": f"Bearer {keys['reviewer']}"}
    try:
        assert b.client.get("/readyz").json()["feed"]["kind"] == "redis"
        assert (
            a.client.post(
                "/v1/lists", headers=reviewer, json={"name": "spam", "type": "text"}
            ).status_code
            == 201
        )
        assert not _blocked(b, keys["platform"], "buy zorblax now")

        # Through Redis: worker a adds, worker b blocks.
        added = a.client.post(
            "/v1/lists/spam/entries", headers=reviewer, json={"terms": ["zorblax"]}
        )
        assert added.status_code == 201
        assert _blocked(a, keys["platform"], "buy zorblax now")  # a's own change, at once
        wait_until(
            lambda: _blocked(b, keys["platform"], "buy zorblax now"), 10, "b applies the change"
        )

        # Redis goes away: the next change still reaches b, from the database.
        redis_server.stop()
        wait_until(lambda: not b.client.get("/readyz").json()["feed"]["connected"], 15, "b notices")
        a.client.post(
            "/v1/lists/spam/entries", headers=reviewer, json={"terms": ["quuxlet"]}
        ).raise_for_status()
        wait_until(
            lambda: _blocked(b, keys["platform"], "a quuxlet deal"), 15, "b catches up by polling"
        )
        assert b.client.get("/readyz").json()["feed"]["lag"] == 0

        # Redis comes back on the same port: b subscribes again.
        redis_server.start()
        wait_until(
            lambda: b.client.get("/readyz").json()["feed"]["connected"], 20, "b resubscribes"
        )
        a.client.post(
            "/v1/lists/spam/entries", headers=reviewer, json={"terms": ["flimflam"]}
        ).raise_for_status()
        wait_until(
            lambda: _blocked(b, keys["platform"], "flimflam offer"), 10, "b applies via Redis again"
        )
        disabled = a.client.get("/v1/lists/spam/entries?q=zorblax", headers=reviewer).json()[
            "entries"
        ][0]
        a.client.post(
            f"/v1/lists/spam/entries/{disabled['entry_id']}/disable",
            headers=reviewer,
            json={"reason": "fp"},
        ).raise_for_status()
        wait_until(
            lambda: not _blocked(b, keys["platform"], "buy zorblax now"), 10, "b applies a disable"
        )
    finally:
        a.stop()
        b.stop()


def test_without_redis_workers_poll_the_database(db_url: str, tmp_path: Path) -> None:
    keys = make_keys(db_url)
    a = Worker(db_url, redis_url=None, cwd=tmp_path)
    b = Worker(db_url, redis_url=None, cwd=tmp_path)
    reviewer = {"Authorization": f"Bearer {keys['reviewer']}"}
    try:
        assert b.client.get("/readyz").json()["feed"]["kind"] == "polling"
        a.client.post(
            "/v1/lists", headers=reviewer, json={"name": "spam", "type": "text"}
        ).raise_for_status()
        a.client.post(
            "/v1/lists/spam/entries", headers=reviewer, json={"terms": ["zorblax"]}
        ).raise_for_status()
        wait_until(lambda: _blocked(b, keys["platform"], "zorblax!"), 10, "b polls the change")
    finally:
        a.stop()
        b.stop()
