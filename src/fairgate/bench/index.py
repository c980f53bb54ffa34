"""Benchmark of the Hamming indexes: build time, single-query latency, memory, recall.

For each size, uniform random 256-bit codes (synthetic, not real PDQ hashes)
are loaded into each index kind, then queried one at a time on one thread with
two mixes:

* ``realistic``: a stored code with 0..31 random bits flipped; the index must
  return that entry (recall is counted and reported, and must be 1.0);
* ``miss``: a random code (almost surely nothing within 31).

Kinds: ``auto`` / ``flat`` / ``mih`` are ``HammingIndex`` (``auto`` is what
fairgate uses); ``faiss-flat`` (``IndexBinaryFlat``, the baseline every row is
compared with) and ``faiss-mih`` (``IndexBinaryMultiHash``, nhash=16, b=16,
nflip=1: exact at radius 31 because 16 substrings of 16 bits cover all 256
bits and a distance of 31 leaves one of them within 1) are raw FAISS indexes.

Run: ``python -m fairgate.bench.index --sizes 100000,1000000 [--kinds ...] [--json]``.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np
import numpy.typing as npt
from rich.table import Table

from fairgate.bench.machine import machine
from fairgate.errors import InvalidInput
from fairgate.index.hamming import HammingIndex
from fairgate.settings import Settings

BITS = 256
RADIUS = 31
KINDS = ("auto", "flat", "mih", "faiss-flat", "faiss-mih")
DEFAULT_KINDS = ("auto", "faiss-flat")
BASELINE = "faiss-flat"
Codes = npt.NDArray[np.uint8]


class _Searcher(Protocol):
    def memory_bytes(self) -> int: ...

    def describe(self) -> str: ...

    def search_one(self, code: Codes) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class Latency:
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    queries: int
    mean_hits: float
    recall: float | None = None
    """Share of ``realistic`` queries whose source entry was returned."""


@dataclass(frozen=True, slots=True)
class IndexRow:
    size: int
    kind: str
    plan: str
    build_s: float
    memory_bytes: int
    """Bytes of the index's own arrays and FAISS structures."""
    rss_delta_bytes: int
    """Resident memory after building minus before (the codes handed in excluded)."""
    peak_rss_delta_bytes: int | None
    """Peak resident memory during the build minus before (None if not measurable)."""
    realistic: Latency
    miss: Latency


@dataclass(slots=True)
class IndexReport:
    machine: dict[str, str]
    queries: int
    seed: int
    rows: list[IndexRow] = field(default_factory=list)
    data: str = "synthetic uniform random 256-bit codes (not real PDQ hashes)"
    radius: int = RADIUS

    def baseline(self, size: int) -> IndexRow | None:
        return next((r for r in self.rows if r.size == size and r.kind == BASELINE), None)

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            item = asdict(row)
            base = self.baseline(row.size)
            if base is not None and row.kind != BASELINE:
                item["vs_faiss_flat"] = {
                    "realistic_p50": row.realistic.p50_ms / base.realistic.p50_ms,
                    "realistic_p99": row.realistic.p99_ms / base.realistic.p99_ms,
                    "memory": row.memory_bytes / max(base.memory_bytes, 1),
                }
            rows.append(item)
        return {
            "machine": self.machine,
            "data": self.data,
            "radius": self.radius,
            "queries_per_mix": self.queries,
            "seed": self.seed,
            "rows": rows,
        }

    def render(self) -> Table:
        table = Table(
            title=f"Hamming index, radius {self.radius}, 1 thread, {self.queries} queries per mix",
            caption=f"{self.data}; {self.machine.get('cpu', '?')}, "
            f"{self.machine.get('cores', '?')} cores",
        )
        for name in (
            "size",
            "index",
            "plan",
            "build s",
            "index MB",
            "RSS Δ MB",
            "real p50 ms",
            "real p99 ms",
            "recall",
            "miss p50 ms",
            "miss p99 ms",
            "p99 vs flat",
        ):
            table.add_column(name, justify="left" if name in ("index", "plan") else "right")
        for row in self.rows:
            base = self.baseline(row.size)
            ratio = (
                f"{row.realistic.p99_ms / base.realistic.p99_ms:.2f}x"
                if base is not None and row.kind != BASELINE
                else "-"
            )
            recall = row.realistic.recall
            table.add_row(
                f"{row.size:,}",
                row.kind,
                row.plan,
                f"{row.build_s:.2f}",
                f"{row.memory_bytes / 1e6:,.0f}",
                f"{row.rss_delta_bytes / 1e6:,.0f}",
                f"{row.realistic.p50_ms:.3f}",
                f"{row.realistic.p99_ms:.3f}",
                "-" if recall is None else f"{recall:.4f}",
                f"{row.miss.p50_ms:.3f}",
                f"{row.miss.p99_ms:.3f}",
                ratio,
            )
        return table


# -- the indexes under test ---------------------------------------------------------------


class _Fairgate:
    def __init__(self, kind: str, codes: Codes) -> None:
        self.index = HammingIndex(
            bits=BITS,
            max_distance=RADIUS,
            kind=kind,  # type: ignore[arg-type]
            flat_max=Settings().hamming_flat_max,
        )
        self.index.add_codes(np.arange(codes.shape[0], dtype=np.int64), codes)

    def memory_bytes(self) -> int:
        return self.index.memory_bytes()

    def describe(self) -> str:
        stats = self.index.stats()
        if stats["mode"] == "flat":
            return "flat"
        widths = str(stats["mih_widths"]).split(",")
        radii = str(stats["mih_radii"]).split(",")
        groups: dict[tuple[str, str], int] = {}
        for w, r in zip(widths, radii, strict=True):
            groups[(w, r)] = groups.get((w, r), 0) + 1
        parts = " ".join(f"{count}x{w}b@r{r}" for (w, r), count in groups.items())
        return f"mih {parts}"

    def search_one(self, code: Codes) -> list[int]:
        return [hit.entry_id for hit in self.index.query_codes(code)[0]]


class _FaissFlat:
    def __init__(self, codes: Codes) -> None:
        self.index = faiss.IndexBinaryFlat(BITS)
        self.index.add(codes)

    def memory_bytes(self) -> int:
        return int(self.index.ntotal) * BITS // 8

    def describe(self) -> str:
        return "IndexBinaryFlat"

    def search_one(self, code: Codes) -> list[int]:
        _, _, labels = self.index.range_search(code, RADIUS + 1)
        return [int(x) for x in labels]


class _FaissMih:
    NHASH = 16
    B = 16
    NFLIP = 1

    def __init__(self, codes: Codes) -> None:
        self.index = faiss.IndexBinaryMultiHash(BITS, self.NHASH, self.B)
        self.index.nflip = self.NFLIP
        self.index.add(codes)

    def memory_bytes(self) -> int:
        # Lower bound: the codes plus one 8-byte id per entry per table; the
        # hash-map nodes and vectors add more (see the RSS column).
        return int(self.index.ntotal) * (BITS // 8 + 8 * self.NHASH)

    def describe(self) -> str:
        return f"IndexBinaryMultiHash {self.NHASH}x{self.B}b nflip={self.NFLIP}"

    def search_one(self, code: Codes) -> list[int]:
        _, _, labels = self.index.range_search(code, RADIUS + 1)
        return [int(x) for x in labels]


def _make(kind: str, codes: Codes) -> _Searcher:
    if kind == "faiss-flat":
        return _FaissFlat(codes)
    if kind == "faiss-mih":
        return _FaissMih(codes)
    if kind in ("auto", "flat", "mih"):
        return _Fairgate(kind, codes)
    raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")


# -- measuring ----------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def machine_info() -> dict[str, str]:
    info = machine(packages=("numpy", "faiss-cpu"))
    info["threads"] = "1 (faiss.omp_set_num_threads(1))"
    return info


def _flip_random_bits(
    codes: Codes, flips: npt.NDArray[np.int64], rng: np.random.Generator
) -> Codes:
    bits = np.unpackbits(codes, axis=1)
    for i, k in enumerate(flips.tolist()):
        bits[i, rng.choice(BITS, size=k, replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def _time_queries(
    searcher: _Searcher, queries: Codes, expect: npt.NDArray[np.int64] | None
) -> Latency:
    for i in range(min(20, queries.shape[0])):  # warm up caches and code paths
        searcher.search_one(queries[i : i + 1])
    times = np.empty(queries.shape[0], dtype=np.float64)
    hits = 0
    found = 0
    clock = time.perf_counter_ns
    for i in range(queries.shape[0]):
        one = queries[i : i + 1]
        start = clock()
        ids = searcher.search_one(one)
        times[i] = (clock() - start) / 1e6
        hits += len(ids)
        if expect is not None and int(expect[i]) in ids:
            found += 1
    return Latency(
        p50_ms=float(np.percentile(times, 50)),
        p99_ms=float(np.percentile(times, 99)),
        mean_ms=float(times.mean()),
        max_ms=float(times.max()),
        queries=int(queries.shape[0]),
        mean_hits=hits / max(queries.shape[0], 1),
        recall=None if expect is None else found / max(queries.shape[0], 1),
    )


def _bench_one(
    kind: str, size: int, codes: Codes, real: Codes, sources: npt.NDArray[np.int64], miss: Codes
) -> IndexRow:
    gc.collect()
    before = _rss_bytes()
    peak_ok = _reset_peak_rss()
    start = time.perf_counter()
    searcher = _make(kind, codes)
    build_s = time.perf_counter() - start
    peak = _peak_rss_bytes() if peak_ok else None
    rss_delta = _rss_bytes() - before
    realistic = _time_queries(searcher, real, sources)
    missing = _time_queries(searcher, miss, None)
    row = IndexRow(
        size=size,
        kind=kind,
        plan=searcher.describe(),
        build_s=build_s,
        memory_bytes=searcher.memory_bytes(),
        rss_delta_bytes=rss_delta,
        peak_rss_delta_bytes=None if peak is None else peak - before,
        realistic=realistic,
        miss=missing,
    )
    del searcher
    gc.collect()
    return row


def run(
    sizes: Sequence[int] = (100_000, 1_000_000, 10_000_000),
    queries: int = 1000,
    kinds: Sequence[str] = DEFAULT_KINDS,
    seed: int = 0,
    progress: Callable[[IndexRow], None] | None = None,
) -> IndexReport:
    """Benchmark every kind at every size; ``progress`` is called after each row."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InvalidInput(f"unknown index kinds {unknown}; choose from {', '.join(KINDS)}")
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    report = IndexReport(machine=machine_info(), queries=queries, seed=seed)
    try:
        for size in sizes:
            rng = np.random.default_rng([seed, size])
            codes = rng.integers(0, 256, size=(size, BITS // 8), dtype=np.uint8)
            sources = rng.integers(0, size, size=queries).astype(np.int64)
            flips = rng.integers(0, RADIUS + 1, size=queries).astype(np.int64)
            real = _flip_random_bits(codes[sources], flips, rng)
            miss = rng.integers(0, 256, size=(queries, BITS // 8), dtype=np.uint8)
            for kind in kinds:
                row = _bench_one(kind, size, codes, real, sources, miss)
                report.rows.append(row)
                if progress is not None:
                    progress(row)
            del codes
            gc.collect()
    finally:
        faiss.omp_set_num_threads(threads)
    return report
