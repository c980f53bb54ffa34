"""HammingIndex on Meta's PDQ reference hash lists: exactly the brute-force pairs within 31."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from tests.index.index_testkit import PDQ_LISTS

from fairgate.index.hamming import HammingIndex

NEEDLES = PDQ_LISTS / "needles.txt"
HAYSTACK = PDQ_LISTS / "haystack.txt"
BRUTE_FORCE = PDQ_LISTS / "needles_vs_haystack_bruteforce.csv"

pytestmark = pytest.mark.skipif(
    not all(p.is_file() for p in (NEEDLES, HAYSTACK, BRUTE_FORCE)),
    reason=f"PDQ reference hash lists not found under {PDQ_LISTS} (shared data not mounted)",
)


def _lines(path: object) -> list[str]:
    with open(path, encoding="ascii") as fh:  # type: ignore[call-overload]
        return [line.strip() for line in fh if line.strip()]


def _brute_force_pairs() -> dict[tuple[int, int], int]:
    with BRUTE_FORCE.open(encoding="ascii", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "empty brute-force file"
    assert set(rows[0]) == {"needle_index", "needle", "haystack_index", "haystack", "hamming"}
    return {(int(r["needle_index"]), int(r["haystack_index"])): int(r["hamming"]) for r in rows}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "flat"},
        {"kind": "mih"},
        {"kind": "mih", "mih_tables": 12},
        {"kind": "auto", "flat_max": 100},
    ],
    ids=["flat", "mih", "mih-12", "auto"],
)
def test_returns_exactly_the_brute_force_pairs(kwargs: dict[str, object]) -> None:
    needles, haystack = _lines(NEEDLES), _lines(HAYSTACK)
    # The CSV lists every pair within 32; fairgate matches at <= 31.
    expected = {pair: d for pair, d in _brute_force_pairs().items() if d <= 31}
    assert len(expected) > 200

    index = HammingIndex(**kwargs)  # type: ignore[arg-type]
    index.add(list(enumerate(haystack)))
    if kwargs["kind"] != "flat":
        assert index.mode == "mih"
    got = {
        (n, hit.entry_id): hit.distance
        for n, hits in enumerate(index.query(needles))
        for hit in hits
    }
    assert got == expected


@pytest.mark.parametrize("kind", ["flat", "mih"])
def test_perturbed_needles_against_real_haystack(kind: str) -> None:
    """Real PDQ hashes are far from uniform (the haystack holds near-duplicate
    clusters); push needles towards the 31/32 boundary and compare with numpy."""
    rng = np.random.default_rng(23)
    haystack = _codes(_lines(HAYSTACK))
    needles = _codes(_lines(NEEDLES))
    queries = []
    for flips in range(8, 34):
        for needle in needles[rng.choice(len(needles), 4, replace=False)]:
            bits = np.unpackbits(needle)
            bits[rng.choice(256, flips, replace=False)] ^= 1
            queries.append(np.packbits(bits))
    q = np.stack(queries)
    dist = np.bitwise_count(q[:, None, :] ^ haystack[None, :, :]).sum(axis=2)
    expected = {
        (int(i), int(j)): int(dist[i, j]) for i, j in zip(*np.nonzero(dist <= 31), strict=True)
    }
    # The perturbation reaches both sides of the boundary.
    assert (dist == 31).sum() > 0
    assert (dist == 32).sum() > 0
    index = HammingIndex(kind=kind, delta_max=100)  # type: ignore[arg-type]
    index.add_codes(np.arange(len(haystack)), haystack)
    got = {(i, h.entry_id): h.distance for i, hits in enumerate(index.query_codes(q)) for h in hits}
    assert got == expected


def _codes(values: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32)


def test_brute_force_file_agrees_with_numpy() -> None:
    """The reference itself: our popcount gives the CSV's distances."""
    needles, haystack = _lines(NEEDLES), _lines(HAYSTACK)
    pairs = _brute_force_pairs()
    n, h = _codes(needles), _codes(haystack)
    dist = np.bitwise_count(n[:, None, :] ^ h[None, :, :]).sum(axis=2)
    within = {
        (int(i), int(j)): int(dist[i, j]) for i, j in zip(*np.nonzero(dist <= 32), strict=True)
    }
    assert within == pairs
