"""``fairgate bench propagation``: how long after a reviewer marks something on
one worker every other worker blocks it.

N ``fairgate serve`` processes share one database. For each trial a new term
is added through worker 0 (its HTTP answer means the change is committed);
a thread per other worker then screens a message carrying the term in a tight
loop until it is blocked. The figure is the time from the acknowledgement to
the first blocked answer, per worker and trial. Measured twice in the same run:
with the Redis change feed, and with database polling only (the baseline).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from fairgate.bench import stats
from fairgate.bench.machine import machine
from fairgate.bench.processes import Worker
from fairgate.bench.scratch_db import scratch_database
from fairgate.service.keys import KeyRing
from fairgate.store import open_store

GIVE_UP_S = 30.0


@dataclass(frozen=True, slots=True)
class ModeResult:
    mode: str
    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    over_1s: int

    @classmethod
    def of(cls, mode: str, seconds: list[float]) -> ModeResult:
        ordered = sorted(seconds)
        p99 = stats.p99(ordered)
        return cls(
            mode,
            len(ordered),
            statistics.median(ordered) * 1000,
            p99 * 1000,
            ordered[-1] * 1000,
            sum(1 for s in ordered if s > 1.0),
        )


@dataclass(slots=True)
class PropagationReport:
    workers: int
    trials: int
    database: str
    results: list[ModeResult]
    machine: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        by = {r.mode: r for r in self.results}
        if "redis" in by and "polling" in by:
            out["redis_vs_polling_p99"] = by["redis"].p99_ms / by["polling"].p99_ms
        return out

    def render(self) -> Table:
        table = Table(
            "feed",
            "samples",
            "p50 ms",
            "p99 ms",
            "max ms",
            "> 1 s",
            title=f"Propagation: change on worker 0 -> blocked on each of {self.workers - 1} "
            f"other workers, {self.trials} trials ({self.database})",
            caption=", ".join(f"{k} {v}" for k, v in self.machine.items()),
        )
        for r in self.results:
            table.add_row(
                r.mode,
                str(r.samples),
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.max_ms:.1f}",
                str(r.over_1s),
            )
        return table


class _Trial:
    """One term added on worker 0, awaited on every other worker at once."""

    def __init__(
        self, procs: list[Worker], rh: dict[str, str], ph: dict[str, str], name: str, trial: int
    ) -> None:
        self.procs, self.rh, self.ph, self.name, self.trial = procs, rh, ph, name, trial
        self.term = f"zq{uuid.uuid4().hex[:10]}"
        self.done: list[float] = []
        self.lock = threading.Lock()
        self.ack = threading.Event()
        self.t_ack = 0.0

    def poll(self, worker: Worker) -> None:
        client = httpx.Client(base_url=worker.base, timeout=10, headers=self.ph)
        body = {"sender": f"probe-{self.trial}", "text": f"offer {self.term} now"}
        try:
            self.ack.wait()
            while time.monotonic() - self.t_ack < GIVE_UP_S:
                r = client.post("/v1/screen", json=body)
                if r.status_code == 200 and r.json()["action"] == "block":
                    with self.lock:
                        self.done.append(time.monotonic() - self.t_ack)
                    return
        finally:
            client.close()

    def run(self) -> list[float]:
        threads = [threading.Thread(target=self.poll, args=(w,)) for w in self.procs[1:]]
        for th in threads:
            th.start()
        self.procs[0].client.post(
            f"/v1/lists/{self.name}/entries", headers=self.rh, json={"terms": [self.term]}
        ).raise_for_status()
        self.t_ack = time.monotonic()
        self.ack.set()
        for th in threads:
            th.join()
        if len(self.done) != len(threads):
            raise RuntimeError(f"trial {self.trial}: a worker did not block within {GIVE_UP_S} s")
        return self.done


def _measure(
    db_url: str, redis_url: str | None, workers: int, trials: int, folder: Path
) -> list[float]:
    with open_store(db_url) as store:
        ring = KeyRing(store, cache_seconds=0)
        reviewer = ring.create(name="bench-reviewer", role="reviewer", by="bench").key
        platform = ring.create(name="bench-platform", role="platform", by="bench").key
    procs = [Worker(db_url, redis_url=redis_url, cwd=folder, env={}) for _ in range(workers)]
    rh = {"Authorization": f"Bearer {reviewer}"}
    ph = {"Authorization": f"Bearer {platform}"}
    name = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        procs[0].client.post(
            "/v1/lists", headers=rh, json={"name": name, "type": "text"}
        ).raise_for_status()
        samples: list[float] = []
        for trial in range(trials):
            samples.extend(_Trial(procs, rh, ph, name, trial).run())
        return samples
    finally:
        for w in procs:
            w.stop()


def run(
    *, db: str | None, redis_url: str | None, workers: int, trials: int, baseline: bool
) -> PropagationReport:
    if workers < 2:
        raise ValueError("propagation needs at least 2 workers")
    results = []
    with tempfile.TemporaryDirectory(prefix="fairgate-bench-prop-") as tmp:
        modes: list[tuple[str, str | None]] = []
        if redis_url:
            modes.append(("redis", redis_url))
        if baseline or not redis_url:
            modes.append(("polling", None))
        label = "SQLite"
        for mode, url in modes:
            with scratch_database(db) as scoped:
                label = "PostgreSQL" if scoped.startswith("postgresql") else "SQLite"
                samples = _measure(scoped, url, workers, trials, Path(tmp))
            results.append(ModeResult.of(mode, samples))
    return PropagationReport(
        workers, trials, label, results, machine(packages=("fastapi", "uvicorn", "redis"))
    )
