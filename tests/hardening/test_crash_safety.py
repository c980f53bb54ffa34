"""SIGKILL the server in the middle of list imports, appeal decisions and screen
calls; restart it; everything acknowledged before the kill is there, nothing
half-written is visible, and the audit chain verifies (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from tests.conftest import EXAMPLES
from tests.service.conftest import make_keys

from fairgate.bench.processes import Worker, wait_until
from fairgate.store import audit_log, open_store
from fairgate.store import tables as t

RUN_AFTER_PROGRESS_S = 0.5


class Load:
    """Three kinds of writes at once, each remembering what was acknowledged."""

    def __init__(self, base: str, keys: dict[str, str]) -> None:
        self.base = base
        self.platform = {"Authorization": f"Bearer {keys['platform']}"}
        self.reviewer = {"Authorization": f"Bearer {keys['reviewer']}"}
        self.stop = threading.Event()
        self.entries: list[int] = []
        self.decisions: list[str] = []
        self.appeals: dict[int, str] = {}
        self.lock = threading.Lock()

    def imports(self) -> None:
        rng = random.Random(1)
        with httpx.Client(base_url=self.base, timeout=10, headers=self.reviewer) as c:
            while not self.stop.is_set():
                hashes = [f"pdq:{rng.getrandbits(256):064x}" for _ in range(300)]
                try:
                    r = c.post("/v1/lists/known/entries", json={"hashes": hashes})
                except httpx.HTTPError:
                    return
                if r.status_code == 201:
                    with self.lock:
                        self.entries.extend(a["entry_id"] for a in r.json()["added"])

    def screens(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10, headers=self.platform) as c:
            n = 0
            while not self.stop.is_set():
                n += 1
                body = {"sender": f"s{n % 7}", "text": "cheap pills" if n % 3 == 0 else "hello"}
                try:
                    r = c.post("/v1/screen", json=body)
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    with self.lock:
                        self.decisions.append(r.json()["decision_id"])

    def appeals_loop(self) -> None:
        with (
            httpx.Client(base_url=self.base, timeout=10, headers=self.platform) as p,
            httpx.Client(base_url=self.base, timeout=10, headers=self.reviewer) as rv,
        ):
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    d = p.post("/v1/screen", json={"sender": f"a{n}", "text": "cheap pills"}).json()
                    filed = p.post(
                        f"/v1/decisions/{d['decision_id']}/appeal", json={"statement": "x"}
                    )
                    if filed.status_code != 201:
                        continue
                    appeal_id = filed.json()["appeal_id"]
                    outcome = "overturn" if n % 2 else "uphold"
                    r = rv.post(
                        f"/v1/appeals/{appeal_id}/decision",
                        json={"outcome": outcome, "reason": "r"},
                    )
                except (httpx.HTTPError, KeyError, ValueError):
                    return
                if r.status_code == 200:
                    with self.lock:
                        self.appeals[appeal_id] = r.json()["appeal"]["status"]


def test_a_killed_server_loses_nothing_it_acknowledged(db_url: str, tmp_path: Path) -> None:
    keys = make_keys(db_url)
    worker = Worker(db_url, redis_url=None, cwd=tmp_path, policy=EXAMPLES / "policy.yaml")
    rh = {"Authorization": f"Bearer {keys['reviewer']}"}
    worker.client.post(
        "/v1/lists", headers=rh, json={"name": "known", "type": "image"}
    ).raise_for_status()
    worker.client.post(
        "/v1/lists", headers=rh, json={"name": "spam-terms", "type": "text"}
    ).raise_for_status()
    worker.client.post(
        "/v1/lists/spam-terms/entries", headers=rh, json={"terms": ["cheap pills"]}
    ).raise_for_status()

    load = Load(worker.base, keys)
    threads = [threading.Thread(target=f) for f in (load.imports, load.screens, load.appeals_loop)]
    for th in threads:
        th.start()
    # Kill only once every kind of write has been acknowledged at least twice,
    # so the kill lands in the middle of all three.
    wait_until(
        lambda: min(len(load.entries), len(load.decisions), len(load.appeals)) >= 2,
        120,
        "the load makes progress",
    )
    time.sleep(RUN_AFTER_PROGRESS_S)
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(10)
    load.stop.set()
    for th in threads:
        th.join(30)
    worker.log.close()

    restarted = Worker(db_url, redis_url=None, cwd=tmp_path, policy=EXAMPLES / "policy.yaml")
    try:
        with open_store(db_url) as store:
            engine = store.engine
            with engine.connect() as conn:
                stored = set(conn.execute(select(t.entries.c.id)).scalars())
                decided = {
                    row.id: row.status
                    for row in conn.execute(select(t.appeals.c.id, t.appeals.c.status))
                }
                decisions = set(conn.execute(select(t.decisions.c.decision_id)).scalars())
                adds = [e.payload for e in audit_log.events(engine, kind="list.add")]
                for payload in adds:  # every add is whole: all its entries, or no event
                    n = conn.execute(
                        select(func.count())
                        .select_from(t.entries)
                        .where(
                            t.entries.c.id.between(
                                payload["first_entry_id"], payload["last_entry_id"]
                            )
                        )
                    ).scalar_one()
                    assert n == payload["count"]
                changes = conn.execute(
                    select(func.count()).select_from(t.list_changes)
                ).scalar_one()
                assert (
                    changes
                    == conn.execute(select(func.count()).select_from(t.entries)).scalar_one()
                )
            assert set(load.entries) <= stored
            assert set(load.decisions) <= decisions
            for appeal_id, status in load.appeals.items():
                assert decided[appeal_id] == status
            result = audit_log.verify_database(engine)
            assert result.ok, result
        # The restarted server serves what was acknowledged.
        some = load.decisions[-1]
        got = restarted.client.get(
            f"/v1/decisions/{some}", headers={"Authorization": f"Bearer {keys['platform']}"}
        )
        assert got.status_code == 200
    finally:
        restarted.stop()
