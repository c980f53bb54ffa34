"""``fairgate bench service``: a real HTTP load generator (wrk) against
``fairgate serve --workers 2`` on the embedded default (SQLite), or PostgreSQL.

Scenarios: text-only messages, images given as pre-computed hashes (pdq and
sha256, as a platform hashing at its edge sends them; one unlisted, as most
images are, and one near a listed image, so blocked), and small images
(96x96 JPEG, base64). The image list holds the listed image and
``image_entries`` more PDQ hashes (random, seeded; default 100,000), so a
lookup searches an index of a real list's size, not of one entry. Every
request is a full screen call: auth, rate limit, matching, policy, decision,
account standing, audit event, stored. Baseline in
the same run: ``/healthz`` (the HTTP stack alone, no screening, no database).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image
from rich.table import Table

from fairgate.bench.machine import machine
from fairgate.bench.processes import Worker, process_tree
from fairgate.bench.scratch_db import scratch_database
from fairgate.service.keys import KeyRing
from fairgate.store import open_store

LUA = """
wrk.method = "{method}"
wrk.body   = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    scenario: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    """Socket errors, timeouts and non-2xx answers."""
    server_cpu_ms: float = float("nan")
    """CPU time (user + system) of the server's processes per request: what a
    request costs, whatever else shares the cores."""


@dataclass(slots=True)
class ServiceReport:
    workers: int
    connections: int
    duration_s: int
    database: str
    results: list[LoadResult]
    machine: dict[str, str] = field(default_factory=dict)
    image_entries: int = 0
    """PDQ hashes in the image list besides the listed image."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        base = next((r for r in self.results if r.scenario == "healthz (baseline)"), None)
        if base is not None:
            out["vs_baseline_rps"] = {
                r.scenario: r.rps / base.rps for r in self.results if r is not base
            }
        return out

    def render(self) -> Table:
        base = next((r for r in self.results if r.scenario == "healthz (baseline)"), None)
        table = Table(
            "scenario",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "requests",
            "server CPU ms/req",
            "vs baseline req/s",
            title=f"fairgate serve --workers {self.workers} ({self.database}), wrk "
            f"{self.connections} connections, {self.duration_s} s each, image list of "
            f"1 file + {self.image_entries:,} PDQ hashes",
            caption=", ".join(f"{k} {v}" for k, v in self.machine.items()),
        )
        for r in self.results:
            ratio = f"{r.rps / base.rps:.2f}x" if base and r is not base else ""
            table.add_row(
                r.scenario,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                str(r.errors),
                f"{r.requests:,}",
                f"{r.server_cpu_ms:.2f}",
                ratio,
            )
        return table


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if m is None:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(scenario: str, output: str) -> LoadResult:
    """The figures of one ``wrk --latency`` run."""
    reqs = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if reqs is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    seconds = float(reqs.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[reqs.group(3)]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    errors = 0
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return LoadResult(
        scenario,
        int(reqs.group(1)),
        seconds,
        float(rps.group(1)) if rps else int(reqs.group(1)) / seconds,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
        errors,
    )


def process_tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants, living or
    exited and reaped (Linux ``/proc``; NaN elsewhere)."""
    if not Path("/proc").is_dir():
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited meanwhile
        # utime + stime, and cutime + cstime: exited children reaped by it
        total += sum(int(f) for f in fields[11:15]) / tick
    return total


def _small_jpeg() -> bytes:
    img = Image.new("RGB", (96, 96))
    for y in range(96):
        for x in range(96):
            img.putpixel((x, y), ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _wrk(binary: str, url: str, script: Path, *, connections: int, duration: int) -> str:
    run = subprocess.run(
        [binary, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stderr.strip()}")
    return run.stdout


HASHES_PER_REQUEST = 20_000
"""Extra list entries are added in requests of this many hashes."""


def _random_pdq_entries(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"pdq:{rng.getrandbits(256):064x}" for _ in range(count)]


def run(
    *,
    db: str | None,
    workers: int,
    connections: int,
    duration: int,
    image_entries: int = 100_000,
) -> ServiceReport:
    binary = shutil.which("wrk")
    if binary is None:
        raise FileNotFoundError("wrk is not installed (Debian: apt-get install wrk)")
    results: list[LoadResult] = []
    with (
        tempfile.TemporaryDirectory(prefix="fairgate-bench-svc-") as tmp,
        scratch_database(db) as url,
    ):
        folder = Path(tmp)
        with open_store(url) as store:
            ring = KeyRing(store, cache_seconds=0)
            platform = ring.create(name="bench-platform", role="platform", by="bench").key
            reviewer = ring.create(name="bench-reviewer", role="reviewer", by="bench").key
        server = Worker(url, redis_url=None, cwd=folder, workers=workers, env={})
        try:
            rh = {"Authorization": f"Bearer {reviewer}"}
            c = server.client
            c.post(
                "/v1/lists", headers=rh, json={"name": "spam", "type": "text"}
            ).raise_for_status()
            terms = [f"spamword{i}" for i in range(1000)] + ["cheap pills"]
            c.post("/v1/lists/spam/entries", headers=rh, json={"terms": terms}).raise_for_status()
            c.post(
                "/v1/lists", headers=rh, json={"name": "known", "type": "image"}
            ).raise_for_status()
            jpeg = _small_jpeg()
            listed = c.post(
                "/v1/lists/known/entries",
                headers=rh,
                json={"files": [{"content_base64": base64.b64encode(jpeg).decode()}]},
            )
            listed.raise_for_status()
            pdq = next(a["value"] for a in listed.json()["added"] if a["signal_type"] == "pdq")
            extra = _random_pdq_entries(image_entries)
            for start in range(0, len(extra), HASHES_PER_REQUEST):
                c.post(
                    "/v1/lists/known/entries",
                    headers=rh,
                    json={"hashes": extra[start : start + HASHES_PER_REQUEST]},
                    timeout=120,
                ).raise_for_status()
            scenarios: list[tuple[str, str, str, dict[str, Any] | None]] = [
                ("healthz (baseline)", "GET", "/healthz", None),
                (
                    "text message",
                    "POST",
                    "/v1/screen",
                    {"sender": "u1", "text": "hello there, see you at eight tonight"},
                ),
                (
                    "pre-hashed image, not listed",
                    "POST",
                    "/v1/screen",
                    {
                        "sender": "u2",
                        "attachments": [
                            {
                                "hashes": {
                                    "pdq": format(int(pdq, 16) ^ (1 << 256) - 1, "064x"),
                                    "sha256": "0" * 64,
                                }
                            }
                        ],
                    },
                ),
                (
                    "pre-hashed image, listed (blocked)",
                    "POST",
                    "/v1/screen",
                    {
                        "sender": "u4",
                        "attachments": [
                            {
                                "hashes": {
                                    "pdq": format(int(pdq, 16) ^ 0xFF, "064x"),
                                    "sha256": "0" * 64,
                                }
                            }
                        ],
                    },
                ),
                (
                    "small image (96x96 JPEG)",
                    "POST",
                    "/v1/screen",
                    {
                        "sender": "u3",
                        "attachments": [
                            {
                                "content_base64": base64.b64encode(
                                    _small_jpeg()[:-2] + b"\xff\xd9"
                                ).decode()
                            }
                        ],
                    },
                ),
            ]
            for name, method, path, body in scenarios:
                script = folder / f"{len(results)}.lua"
                script.write_text(
                    LUA.format(method=method, body=json.dumps(body or {}), key=platform), "utf-8"
                )
                cpu_before = process_tree_cpu_s(server.proc.pid)
                output = _wrk(
                    binary, server.base + path, script, connections=connections, duration=duration
                )
                result = parse_wrk(name, output)
                cpu = process_tree_cpu_s(server.proc.pid) - cpu_before
                results.append(
                    dataclasses.replace(result, server_cpu_ms=cpu * 1000 / max(1, result.requests))
                )
        finally:
            server.stop()
    label = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    return ServiceReport(
        workers,
        connections,
        duration,
        label,
        results,
        machine(packages=("fastapi", "uvicorn")),
        image_entries=image_entries,
    )
