"""``fairgate bench shortlist``: nominating verification candidates in a large list.

Above ``visual_local_verify_all_max`` / ``visual_dense_verify_all_max`` entries,
local features and thumbnails compare a sent image only with the entries whose
PDQ hash is nearest one of its hashes (``index/shortlist.py``). This measures
that nomination for N listed entries (random 256-bit hashes, synthetic) and 36
sent hashes (what a photo brings: 8 dihedral variants of the whole image, its
trimmed copy and its tiles), one query at a time on one thread:

* ``shortlist``: ``PdqShortlist`` (a FAISS binary flat index, exact k-nearest),
  what fairgate runs;
* baseline, in the same run: every entry's hash compared with every sent hash
  in numpy (XOR and a popcount table over all entries), the pass both verifiers
  made before; the Python loop one of them made was slower still.

Also reported: the rebuild after a list change (paid once, by the first query).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.table import Table

from fairgate.bench import stats
from fairgate.bench.machine import machine
from fairgate.errors import InvalidInput
from fairgate.index.shortlist import PdqShortlist

SENT = 36
_POPCOUNT = np.array([bin(k).count("1") for k in range(256)], dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class ShortlistRow:
    entries: int
    build_ms: float
    shortlist_p50_ms: float
    shortlist_p99_ms: float
    baseline_p50_ms: float
    agree: bool
    """Both named the same entries for every query."""

    @property
    def speedup(self) -> float:
        return self.baseline_p50_ms / self.shortlist_p50_ms


@dataclass(slots=True)
class ShortlistReport:
    queries: int
    max_distance: int
    limit: int
    rows: list[ShortlistRow]
    machine: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for row, data in zip(self.rows, out["rows"], strict=True):
            data["speedup"] = row.speedup
        return out

    def render(self) -> Table:
        table = Table(
            "entries",
            "rebuild ms",
            "shortlist p50 ms",
            "p99 ms",
            "numpy pass p50 ms (baseline)",
            "baseline / shortlist",
            "same answers",
            title=f"Nominating verification candidates: {SENT} sent hashes, "
            f"{self.queries} queries, within {self.max_distance} bits, at most {self.limit}",
            caption=", ".join(f"{k} {v}" for k, v in self.machine.items()),
        )
        for r in self.rows:
            table.add_row(
                f"{r.entries:,}",
                f"{r.build_ms:.1f}",
                f"{r.shortlist_p50_ms:.3f}",
                f"{r.shortlist_p99_ms:.3f}",
                f"{r.baseline_p50_ms:.3f}",
                f"{r.speedup:.1f}x",
                "yes" if r.agree else "NO",
            )
        return table


def _baseline(
    ids: Sequence[int],
    listed: npt.NDArray[np.uint8],
    sent: Sequence[str],
    *,
    max_distance: int,
    limit: int,
) -> list[int]:
    queries = np.frombuffer(bytes.fromhex("".join(sent)), np.uint8).reshape(len(sent), 32)
    differ = np.bitwise_xor(listed[:, None, :], queries[None, :, :])
    distance = _POPCOUNT[differ].sum(axis=2, dtype=np.int32).min(axis=1)
    near = np.flatnonzero(distance <= max_distance)
    order = near[np.lexsort((np.asarray(ids)[near], distance[near]))]
    return [int(ids[k]) for k in order[:limit]]


def run(
    *, sizes: Sequence[int], queries: int, max_distance: int, limit: int, seed: int = 0
) -> ShortlistReport:
    if not sizes or min(sizes) < 1:
        raise InvalidInput("give one or more sizes of at least 1")
    rng = np.random.default_rng(seed)
    rows: list[ShortlistRow] = []
    for size in sizes:
        listed = rng.integers(0, 256, (size, 32), dtype=np.uint8)
        hexes = [bytes(row).hex() for row in listed]
        ids = list(range(1, size + 1))
        shortlist = PdqShortlist()
        start = time.perf_counter()
        nominees = shortlist.current((i, (h,)) for i, h in zip(ids, hexes, strict=True))
        build_ms = (time.perf_counter() - start) * 1000
        ours: list[float] = []
        theirs: list[float] = []
        agree = True
        for q in range(queries):
            # Half the queries are near a listed entry (a few of its bits flipped), as a
            # re-sent image is; half are unrelated.
            sent = [bytes(r).hex() for r in rng.integers(0, 256, (SENT, 32), dtype=np.uint8)]
            if q % 2 == 0:
                near = listed[int(rng.integers(size))].copy()
                near[: int(rng.integers(1, 8))] ^= 0x5A
                sent[0] = bytes(near).hex()
            start = time.perf_counter()
            mine = nominees.nearest(sent, max_distance=max_distance, limit=limit)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            other = _baseline(ids, listed, sent, max_distance=max_distance, limit=limit)
            theirs.append(time.perf_counter() - start)
            agree = agree and mine == other
        ordered = sorted(ours)
        rows.append(
            ShortlistRow(
                entries=size,
                build_ms=build_ms,
                shortlist_p50_ms=statistics.median(ordered) * 1000,
                shortlist_p99_ms=stats.p99(ordered) * 1000,
                baseline_p50_ms=statistics.median(theirs) * 1000,
                agree=agree,
            )
        )
    return ShortlistReport(queries, max_distance, limit, rows, machine(packages=("faiss-cpu",)))
