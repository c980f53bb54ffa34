"""HammingIndex against a brute-force numpy reference: exact radius search."""

from __future__ import annotations

import numpy as np
import pytest
from tests.index.index_testkit import flip_bits, hamming, random_codes, to_hex

from fairgate.errors import InvalidSignalValue
from fairgate.index.hamming import HammingIndex
from fairgate.index.mih import SCALAR_PROBES_MAX

N_STORED = 30_000
PLANTED = tuple(range(41))  # one planted neighbour at each distance 0..40


def _planted_queries(
    stored: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries made from random stored codes with 0..40 bits flipped."""
    sources = rng.choice(stored.shape[0], size=len(PLANTED) * 2, replace=False)
    flips = np.array(PLANTED * 2)
    queries = np.stack(
        [flip_bits(stored[s], int(k), rng) for s, k in zip(sources, flips, strict=False)]
    )
    return queries, sources, flips


def _expected(
    index: HammingIndex, queries: np.ndarray, stored: np.ndarray, ids: np.ndarray
) -> list[list[tuple[int, int]]]:
    dist = hamming(queries, stored)
    out = []
    for row in dist:
        near = np.flatnonzero(row <= index.max_distance)
        out.append(sorted((int(row[j]), int(ids[j])) for j in near))
    return out


def _got(index: HammingIndex, queries: np.ndarray) -> list[list[tuple[int, int]]]:
    return [[(h.distance, h.entry_id) for h in hits] for hits in index.query(to_hex(queries))]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    stored = random_codes(rng, N_STORED)
    # A cluster of near-duplicates, like re-encoded copies of one image.
    base = stored[0]
    for i in range(1, 40):
        stored[i] = flip_bits(base, i % 35, rng)
    ids = rng.permutation(N_STORED).astype(np.int64) * 5 + 3
    queries, sources, flips = _planted_queries(stored, rng)
    queries = np.concatenate([queries, stored[:1], random_codes(rng, 20)])
    return stored, ids, queries, sources, flips


INDEXES = {
    "flat": {"kind": "flat"},
    "mih-auto-plan": {"kind": "mih"},
    "mih-8-tables": {"kind": "mih", "mih_tables": 8},
    "mih-12-tables": {"kind": "mih", "mih_tables": 12},
    "mih-16-tables": {"kind": "mih", "mih_tables": 16},
    "mih-32-tables": {"kind": "mih", "mih_tables": 32},
    "auto-switched": {"kind": "auto", "flat_max": 1000},
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_matches_brute_force(name: str, data: tuple[np.ndarray, ...]) -> None:
    stored, ids, queries, sources, flips = data
    index = HammingIndex(**INDEXES[name])  # type: ignore[arg-type]
    # Bulk load most entries, then add the rest live so both the tables and
    # the flat part of the rows added since the last rebuild are searched.
    split = N_STORED - 500
    index.add_codes(ids[:split], stored[:split])
    index.add([(int(i), v) for i, v in zip(ids[split:], to_hex(stored[split:]), strict=False)])
    assert len(index) == N_STORED
    if name != "flat":
        assert index.mode == "mih"
    got = _got(index, queries)
    assert got == _expected(index, queries, stored, ids)
    for q, (source, k) in enumerate(zip(sources, flips, strict=False)):
        pairs = [entry for _, entry in got[q]]
        if k <= 31:
            assert int(ids[source]) in pairs, f"distance {k} missed"
        else:
            assert int(ids[source]) not in pairs, f"distance {k} returned"


def test_results_sorted_by_distance_then_id(data: tuple[np.ndarray, ...]) -> None:
    stored, ids, _, _, _ = data
    index = HammingIndex(kind="mih")
    index.add_codes(ids, stored)
    hits = index.query_codes(stored[:1])[0]
    assert len(hits) > 30  # the planted cluster
    keys = [(h.distance, h.entry_id) for h in hits]
    assert keys == sorted(keys)
    assert len({h.entry_id for h in hits}) == len(hits)


@pytest.mark.parametrize("kind", ["flat", "mih"])
def test_boundary_31_found_32_not(kind: str) -> None:
    rng = np.random.default_rng(3)
    base = random_codes(rng, 1)[0]
    index = HammingIndex(kind=kind, delta_max=1)  # type: ignore[arg-type]
    index.add_codes(
        np.array([1, 2]), np.stack([flip_bits(base, 31, rng), flip_bits(base, 32, rng)])
    )
    assert [(h.entry_id, h.distance) for h in index.query_codes(base[None])[0]] == [(1, 31)]


@pytest.mark.parametrize("kind", ["flat", "mih"])
def test_other_widths_and_radii(kind: str) -> None:
    """64-bit codes at radius 8, and a width that is not a multiple of 64 bits."""
    rng = np.random.default_rng(5)
    for bits, radius in ((64, 8), (128, 20), (72, 5)):
        stored = random_codes(rng, 3000, bits // 8)
        queries = np.stack([flip_bits(stored[i], i % (radius + 3), rng) for i in range(60)])
        index = HammingIndex(bits=bits, max_distance=radius, kind=kind, delta_max=100)  # type: ignore[arg-type]
        ids = np.arange(stored.shape[0])
        index.add_codes(ids, stored)
        assert _got(index, queries) == _expected(index, queries, stored, ids), (bits, radius)


def test_auto_switches_to_mih_and_back() -> None:
    rng = np.random.default_rng(11)
    codes = random_codes(rng, 400)
    index = HammingIndex(kind="auto", flat_max=100, delta_max=50)
    index.add_codes(np.arange(80), codes[:80])
    assert index.mode == "flat"
    for start in range(80, 400, 20):  # live adds cross flat_max
        index.add([(i, to_hex(codes[i : i + 1])[0]) for i in range(start, start + 20)])
    assert index.mode == "mih"
    assert [hits[0].entry_id for hits in index.query_codes(codes[[5, 399]])] == [5, 399]
    index.disable(range(350))  # shrinking far below flat_max triggers a rebuild
    assert len(index) == 50
    assert index.mode == "flat"
    assert [len(h) for h in index.query_codes(codes[[5, 399]])] == [0, 1]


def test_disabled_entries_never_match_across_rebuilds() -> None:
    rng = np.random.default_rng(13)
    codes = random_codes(rng, 3000)
    index = HammingIndex(kind="mih", delta_max=200)
    index.add_codes(np.arange(3000), codes)
    index.disable(range(0, 3000, 2))
    assert [[h.entry_id for h in hits] for hits in index.query_codes(codes[:4])] == [
        [],
        [1],
        [],
        [3],
    ]
    rebuilds = index.rebuilds
    index.add_codes(np.arange(5000, 5300), random_codes(rng, 300))  # bulk: rebuild
    assert index.rebuilds > rebuilds
    hits = index.query_codes(codes[:10])
    assert [len(h) for h in hits] == [0, 1] * 5


def test_save_and_load_round_trip(tmp_path: pytest.TempPathFactory) -> None:
    rng = np.random.default_rng(17)
    codes = random_codes(rng, 500)
    index = HammingIndex(kind="flat")
    index.add_codes(np.arange(500) + 2**35, codes)
    index.disable([2**35 + 1])
    path = tmp_path / "pdq.npz"  # type: ignore[operator]
    index.save(path)
    again = HammingIndex(kind="mih")
    again.load(path)
    assert len(again) == 499
    assert again.query_codes(codes[:3]) == index.query_codes(codes[:3])
    with pytest.raises(InvalidSignalValue, match="not a 64-bit"):
        HammingIndex(bits=64).load(path)


def test_bulk_add_with_duplicate_ids_keeps_last() -> None:
    rng = np.random.default_rng(19)
    codes = random_codes(rng, 300)
    index = HammingIndex(kind="mih", delta_max=10)
    ids = np.array(list(range(150)) * 2)
    index.add_codes(ids, codes)
    assert len(index) == 150
    assert index.query_codes(codes[:1]) == [[]]
    assert [h.entry_id for h in index.query_codes(codes[150:151])[0]] == [0]


def test_bulk_paths_validate_shapes() -> None:
    index = HammingIndex()
    with pytest.raises(InvalidSignalValue, match="32 bytes per row"):
        index.add_codes(np.arange(2), np.zeros((2, 31), dtype=np.uint8))
    with pytest.raises(InvalidSignalValue, match="uint8"):
        index.query_codes(np.zeros((2, 32), dtype=np.int64))  # type: ignore[arg-type]
    with pytest.raises(InvalidSignalValue, match="ids for"):
        index.add_codes(np.arange(3), np.zeros((2, 32), dtype=np.uint8))
    assert len(index) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bits": 100},
        {"max_distance": -1},
        {"max_distance": 257},
        {"kind": "ivf"},
        {"flat_max": -1},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        HammingIndex(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("bits", "radius"), [(256, 0), (128, 0), (64, 1), (64, 3)])
def test_single_queries_with_few_probes_match_brute_force(bits: int, radius: int) -> None:
    """One query at a time against plans of few probes (exact digests: one),
    which look the buckets up with Python ints before any array work."""
    rng = np.random.default_rng(11)
    stored = random_codes(rng, 5000, bits // 8)
    ids = np.arange(stored.shape[0]) * 3 + 1
    index = HammingIndex(bits=bits, max_distance=radius, kind="mih", delta_max=10)
    index.add_codes(ids, stored)
    probes = index.stats()["mih_probes"]
    assert isinstance(probes, int)
    assert probes <= SCALAR_PROBES_MAX
    near = [flip_bits(stored[i], i % (radius + 2), rng) for i in range(40)]
    queries = np.stack([*near, *random_codes(rng, 40, bits // 8)])
    for query in queries:
        assert _got(index, query[None]) == _expected(index, query[None], stored, ids)
