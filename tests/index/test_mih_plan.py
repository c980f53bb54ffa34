"""The multi-index hashing plan is exact by construction (pigeonhole) and sane in size."""

from __future__ import annotations

import numpy as np
import pytest

from fairgate.index.hexcodes import parse_hex
from fairgate.index.mih import MihTables, plan, substring_keys


@pytest.mark.parametrize("bits", [64, 128, 256])
@pytest.mark.parametrize("radius", [0, 1, 8, 31, 40])
@pytest.mark.parametrize("n", [1, 1_000, 1_000_000, 10_000_000, 100_000_000])
def test_plan_is_exact_and_disjoint(bits: int, radius: int, n: int) -> None:
    if radius >= bits:
        pytest.skip("radius must be below the code width")
    p = plan(bits, radius, n)
    assert p.exact_up_to() >= radius
    assert sum(p.widths) <= bits
    assert all(1 <= w <= 32 for w in p.widths)
    ends = [s + w for s, w in zip(p.starts, p.widths, strict=True)]
    assert list(p.starts[1:]) == ends[:-1]  # contiguous, non-overlapping
    # Offset arrays stay small next to the rows (4 bytes per entry per table).
    if n >= 1_000_000:
        assert 4 * p.offsets_entries() <= p.tables * 4 * n


def test_pdq_plans_at_scale() -> None:
    p = plan(256, 31, 10_000_000)
    assert 10 <= p.tables <= 14
    assert p.probes < 3_000
    assert p.expected_candidates(10_000_000) < 15_000
    assert plan(256, 0, 10_000_000).tables == 1  # exact hashes: one table


def test_forced_table_count() -> None:
    assert plan(256, 31, 1000, tables=12).tables == 12
    with pytest.raises(ValueError, match="no multi-index"):
        plan(256, 3, 1000, tables=8)  # 8 tables cannot split a radius of 3


def test_substring_keys_cross_word_boundaries() -> None:
    codes = parse_hex(["00" * 7 + "80" + "01" + "00" * 23], 64)
    words = codes.view(np.uint64)
    # Little-endian words: byte 7's top bit is bit 63, byte 8's low bit is bit 64.
    assert int(substring_keys(words, 60, 8)[0]) == 0b11000
    assert int(substring_keys(words, 63, 2)[0]) == 0b11
    assert int(substring_keys(words, 0, 32)[0]) == 0


def test_tables_find_rows_at_the_planned_radius() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, size=(5000, 32), dtype=np.uint8)
    words = codes.view(np.uint64)
    tables = MihTables(plan(256, 31, 5000), words)
    qidx, rows, dist = tables.search(words[:3], words, 31)
    found = sorted({(int(q), int(r)) for q, r in zip(qidx, rows, strict=True)})
    assert [pair for pair in found if pair[0] == pair[1]] == [(0, 0), (1, 1), (2, 2)]
    assert (dist <= 31).all()
