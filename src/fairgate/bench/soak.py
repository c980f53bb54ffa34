"""``fairgate bench soak``: mixed traffic at a fixed rate for minutes, with the
change feed busy, against ``fairgate serve --workers N``.

Reports, per window: requests, errors, p50/p99 latency and the resident memory
of the server processes; then the drift (last window's p99 over the first's)
and the memory growth (last over first). Errors must be 0.
"""

from __future__ import annotations

import base64
import io
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from rich.table import Table

from fairgate.bench import stats
from fairgate.bench.machine import machine
from fairgate.bench.processes import Worker, process_tree
from fairgate.bench.scratch_db import scratch_database
from fairgate.service.keys import KeyRing
from fairgate.store import open_store


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (uvicorn workers)."""
    total = 0.0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


@dataclass(frozen=True, slots=True)
class Window:
    index: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rss_mb: float
    changes: int


@dataclass(slots=True)
class SoakReport:
    minutes: float
    rate: float
    workers: int
    windows: list[Window]
    machine: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(w.errors for w in self.windows)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["errors"] = self.errors
        if self.windows:
            first, last = self.windows[0], self.windows[-1]
            out["p99_drift"] = last.p99_ms / first.p99_ms if first.p99_ms else None
            out["rss_growth"] = last.rss_mb / first.rss_mb if first.rss_mb else None
        return out

    def render(self) -> Table:
        d = self.to_dict()
        table = Table(
            "window",
            "requests",
            "errors",
            "p50 ms",
            "p99 ms",
            "server RSS MB",
            "list changes",
            title=f"Soak: {self.rate:g} req/s mixed for {self.minutes:g} min against serve "
            f"--workers {self.workers}; errors {self.errors}, p99 drift "
            f"{d.get('p99_drift') or 0:.2f}x, memory growth {d.get('rss_growth') or 0:.2f}x",
            caption=", ".join(f"{k} {v}" for k, v in self.machine.items()),
        )
        for w in self.windows:
            table.add_row(
                str(w.index),
                str(w.requests),
                str(w.errors),
                f"{w.p50_ms:.1f}",
                f"{w.p99_ms:.1f}",
                f"{w.rss_mb:.0f}",
                str(w.changes),
            )
        return table


class _Traffic:
    def __init__(self, base: str, key: str, rate: float) -> None:
        self.base, self.key, self.rate = base, key, rate
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        out = io.BytesIO()
        Image.new("RGB", (64, 64), (120, 40, 200)).save(out, "JPEG")
        image = base64.b64encode(out.getvalue()).decode()
        self.bodies: list[dict[str, Any]] = [
            {"sender": "s1", "text": "hello, see you at eight"},
            {"sender": "s2", "text": "cheap pills for you"},
            {"sender": "s3", "attachments": [{"content_base64": image}]},
            {"sender": "s4", "attachments": [{"hashes": {"pdq": "f" * 64}}]},
            {"sender": "s5", "text": "weather tomorrow", "kind": "search"},
        ]

    def run(self, threads: int) -> list[threading.Thread]:
        interval = threads / self.rate
        started = []
        for t in range(threads):
            th = threading.Thread(target=self._loop, args=(t, interval), daemon=True)
            th.start()
            started.append(th)
        return started

    def _loop(self, offset: int, interval: float) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base, timeout=30, headers=headers) as client:
            n = offset
            next_at = time.monotonic() + offset * interval / 4
            while not self.stop.is_set():
                now = time.monotonic()
                if now < next_at:
                    time.sleep(next_at - now)
                next_at += interval
                body = self.bodies[n % len(self.bodies)]
                n += 1
                start = time.perf_counter()
                try:
                    ok = client.post("/v1/screen", json=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - start
                with self.lock:
                    self.latencies.append(elapsed)
                    if not ok:
                        self.errors += 1

    def take(self) -> tuple[list[float], int]:
        with self.lock:
            out, errors = self.latencies, self.errors
            self.latencies, self.errors = [], 0
        return out, errors


def run(
    *, db: str | None, minutes: float, rate: float, workers: int, window_s: float
) -> SoakReport:
    windows: list[Window] = []
    with tempfile.TemporaryDirectory(prefix="fairgate-soak-") as tmp, scratch_database(db) as url:
        with open_store(url) as store:
            ring = KeyRing(store, cache_seconds=0)
            platform = ring.create(name="soak-platform", role="platform", by="bench").key
            reviewer = ring.create(name="soak-reviewer", role="reviewer", by="bench").key
        server = Worker(url, redis_url=None, cwd=Path(tmp), workers=workers, env={})
        rh = {"Authorization": f"Bearer {reviewer}"}
        try:
            c = server.client
            c.post(
                "/v1/lists", headers=rh, json={"name": "spam", "type": "text"}
            ).raise_for_status()
            c.post(
                "/v1/lists/spam/entries", headers=rh, json={"terms": ["cheap pills"]}
            ).raise_for_status()
            c.post(
                "/v1/lists", headers=rh, json={"name": "img", "type": "image"}
            ).raise_for_status()
            traffic = _Traffic(server.base, platform, rate)
            threads = traffic.run(threads=max(2, int(rate // 25)))
            deadline = time.monotonic() + minutes * 60
            index = 0
            while time.monotonic() < deadline:
                window_end = min(deadline, time.monotonic() + window_s)
                changes = 0
                while time.monotonic() < window_end:  # the change feed, busy
                    term = f"soakterm{index}x{changes}"
                    c.post("/v1/lists/spam/entries", headers=rh, json={"terms": [term]})
                    changes += 1
                    time.sleep(1.0)
                latencies, errors = traffic.take()
                ordered = sorted(latencies) or [0.0]
                p99 = stats.p99(ordered)
                windows.append(
                    Window(
                        index,
                        len(latencies),
                        errors,
                        statistics.median(ordered) * 1000,
                        p99 * 1000,
                        _rss_mb(server.proc.pid),
                        changes,
                    )
                )
                index += 1
            traffic.stop.set()
            for th in threads:
                th.join(30)
        finally:
            server.stop()
    return SoakReport(minutes, rate, workers, windows, machine(packages=("fastapi", "uvicorn")))
