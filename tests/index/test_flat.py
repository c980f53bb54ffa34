"""``FlatPart``: a small part answers with numpy under the GIL, a larger one with
FAISS, and both give exactly what a brute-force pass does."""

from __future__ import annotations

import numpy as np
import pytest

from fairgate.index.flat import SMALL_ROWS, FlatPart


def _brute(
    queries: np.ndarray, codes: np.ndarray, radius: int, base: int
) -> list[tuple[int, int, int]]:
    bits = np.unpackbits(queries[:, None, :] ^ codes[None, :, :], axis=2).sum(axis=2)
    return [
        (q, r + base, int(bits[q, r]))
        for q in range(queries.shape[0])
        for r in range(codes.shape[0])
        if bits[q, r] <= radius
    ]


def _near(rng: np.random.Generator, codes: np.ndarray, flips: int) -> np.ndarray:
    """Copies of some codes with ``flips`` random bits flipped (so matches exist)."""
    picked = codes[rng.integers(0, codes.shape[0], size=6)].copy()
    for row in picked:
        for bit in rng.choice(row.size * 8, size=flips, replace=False):
            row[bit // 8] ^= np.uint8(1 << (bit % 8))
    return picked


@pytest.mark.parametrize("rows", [1, 7, SMALL_ROWS, SMALL_ROWS + 1, 300])
@pytest.mark.parametrize("nbytes", [8, 32])
def test_search_matches_brute_force_on_both_paths(rows: int, nbytes: int) -> None:
    rng = np.random.default_rng(rows * 100 + nbytes)
    codes = rng.integers(0, 256, size=(rows, nbytes), dtype=np.uint8)
    part = FlatPart(nbytes, base=1000)
    # added in two steps, so growing past the small size is covered too
    part.add(codes[: rows // 2])
    part.add(codes[rows // 2 :])
    radius = nbytes * 8 // 8
    queries = np.concatenate([_near(rng, codes, radius), _near(rng, codes, radius + 1), codes[:1]])
    qidx, found, dist = part.search(queries, radius)
    got = sorted(zip(qidx.tolist(), found.tolist(), dist.tolist(), strict=True))
    assert got == _brute(queries, codes, radius, 1000)
    assert len(got) >= 7  # the near copies and the exact one, at least
    assert qidx.dtype == found.dtype == dist.dtype == np.int64


def test_small_parts_use_numpy_and_larger_ones_faiss(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    part = FlatPart(32)
    faiss_search = part._index.range_search

    def counted(*args: object) -> object:
        calls.append(1)
        return faiss_search(*args)

    monkeypatch.setattr(part._index, "range_search", counted)
    codes = np.random.default_rng(1).integers(0, 256, size=(SMALL_ROWS + 1, 32), dtype=np.uint8)
    part.add(codes[:SMALL_ROWS])
    part.search(codes[:1], 31)
    assert calls == []
    part.add(codes[SMALL_ROWS:])
    part.search(codes[:1], 31)
    assert calls == [1]


def test_an_empty_part_or_no_queries_find_nothing() -> None:
    part = FlatPart(32)
    assert all(a.size == 0 for a in part.search(np.zeros((1, 32), np.uint8), 31))
    part.add(np.zeros((2, 32), np.uint8))
    assert all(a.size == 0 for a in part.search(np.zeros((0, 32), np.uint8), 31))


def test_code_width_must_be_whole_words() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        FlatPart(12)
