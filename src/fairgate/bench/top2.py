"""``fairgate bench top2``: ORB verification's search, the compiled kernel vs FAISS.

Verifying a sent image against local-feature entries looks up, for each listed
keypoint of every candidate (``visual_local_listed_features`` of the image and as
many of its mirror image, 512 by default), its two nearest of the sent image's
``visual_local_query_features`` keypoints (600) - index/top2.py. While a list
holds at most ``visual_local_verify_all_max`` entries every one is a candidate,
so an image no list holds pays this for the whole list.

This times that search for lists of N entries (synthetic 256-bit codes; a quarter
of each entry's codes are the sent codes with a few bits flipped, as a match's are;
brute force costs the same whatever the codes), one search at a time on one thread,
the implementations taking turns so they share the machine's noise:

* each compiled kernel this CPU runs (index/_hamming.c); fairgate uses the
  AVX-512 one where it runs (the others are not faster than FAISS);
* baseline, in the same run: FAISS ``IndexBinaryFlat``, k = 2, what fairgate used
  before (and still uses where the kernel was not built).
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
from fairgate.index.top2 import kernels, top2

PER_ENTRY = 512


@dataclass(frozen=True, slots=True)
class Top2Row:
    entries: int
    implementation: str
    p50_ms: float
    p99_ms: float
    baseline_p50_ms: float
    agree: bool
    """Same nearest and second-nearest distances as FAISS for every search."""

    @property
    def speedup(self) -> float:
        return self.baseline_p50_ms / self.p50_ms


@dataclass(slots=True)
class Top2Report:
    sent: int
    repeat: int
    rows: list[Top2Row]
    machine: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for row, data in zip(self.rows, out["rows"], strict=True):
            data["speedup"] = row.speedup
        return out

    def render(self) -> Table:
        table = Table(
            "entries",
            "listed codes",
            "implementation",
            "p50 ms",
            "p99 ms",
            "FAISS p50 ms (baseline)",
            "FAISS / this",
            "same answers",
            title=f"Two nearest of {self.sent} sent codes for every listed code "
            f"({PER_ENTRY} an entry), {self.repeat} searches each, one thread",
            caption=", ".join(f"{k} {v}" for k, v in self.machine.items()),
        )
        for r in self.rows:
            table.add_row(
                f"{r.entries:,}",
                f"{r.entries * PER_ENTRY:,}",
                r.implementation,
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{r.baseline_p50_ms:.2f}",
                f"{r.speedup:.1f}x",
                "yes" if r.agree else "NO",
            )
        return table


def _codes(
    rng: np.random.Generator, entries: int, sent: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    queries = rng.integers(0, 256, (sent, 32), dtype=np.uint8)
    listed = rng.integers(0, 256, (entries * PER_ENTRY, 32), dtype=np.uint8)
    near = rng.random(len(listed)) < 0.25
    listed[near] = queries[rng.integers(0, sent, int(near.sum()))]
    bits = np.unpackbits(listed[near], axis=1)
    listed[near] = np.packbits(bits ^ (rng.random(bits.shape) < 0.08), axis=1)
    return listed, queries


def run(*, sizes: Sequence[int], sent: int, repeat: int, seed: int = 0) -> Top2Report:
    if not sizes or min(sizes) < 1:
        raise InvalidInput("give one or more entry counts of at least 1")
    if not 2 <= sent <= 5000:
        raise InvalidInput("sent keypoints must be between 2 and 5000")
    rng = np.random.default_rng(seed)
    names = [*kernels(), "faiss"]
    rows: list[Top2Row] = []
    for size in sizes:
        listed, queries = _codes(rng, size, sent)
        times: dict[str, list[float]] = {name: [] for name in names}
        agree = dict.fromkeys(names, True)
        for _ in range(repeat):
            answers = {}
            for name in names:
                start = time.perf_counter()
                answers[name] = top2(listed, queries, kernel=name)
                times[name].append((time.perf_counter() - start) * 1000)
            want = answers["faiss"]
            for name in names:
                got = answers[name]
                agree[name] = agree[name] and bool(
                    (got[0] == want[0]).all() and (got[1] == want[1]).all()
                )
        baseline = statistics.median(times["faiss"])
        for name in names:
            ordered = sorted(times[name])
            rows.append(
                Top2Row(
                    entries=size,
                    implementation="faiss (baseline)" if name == "faiss" else f"c:{name}",
                    p50_ms=statistics.median(ordered),
                    p99_ms=stats.p99(ordered),
                    baseline_p50_ms=baseline,
                    agree=agree[name],
                )
            )
    return Top2Report(sent, repeat, rows, machine(packages=("faiss-cpu",)))
