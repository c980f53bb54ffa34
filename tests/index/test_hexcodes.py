"""Hex parsing: vectorised, strict, with reasons."""

from __future__ import annotations

import numpy as np
import pytest

from fairgate.errors import InvalidSignalValue
from fairgate.index.hexcodes import parse_hex


def test_round_trip_and_padding() -> None:
    values = ["0123456789abcdef" * 4, "ff" * 32]
    codes = parse_hex(values, 64)
    assert codes.shape == (2, 32)
    assert [row.tobytes().hex() for row in codes] == values
    short = parse_hex(["abcdef0123456789abcdef0123456789abcdef01"], 40)  # sha1: 20 bytes
    assert short.shape == (1, 24)
    assert short[0, 20:].tolist() == [0, 0, 0, 0]


def test_empty() -> None:
    assert parse_hex([], 64).shape == (0, 32)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["ab" * 32, "ab" * 31 + "a"], r"value #1 .*expected 64 hex characters, got 63"),
        # Lengths that sum up right must still be caught one by one.
        (["ab" * 32 + "a", "ab" * 31 + "a"], r"value #0 .*got 65"),
        (["ab" * 31 + "g0"], r"non-hex character 'g' at position 62"),
        (["ab" * 31 + "\u0661\u0662"], "non-hex character"),
        (["ab" * 31 + "\t1"], "non-hex character"),
        ([None], "expected a hex string, got NoneType"),
    ],
)
def test_errors_name_the_value_and_reason(values: list[str], message: str) -> None:
    with pytest.raises(InvalidSignalValue, match=message):
        parse_hex(values, 64)


def test_bulk_is_fast_enough() -> None:
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(200_000, 32), dtype=np.uint8)
    text = raw.tobytes().hex()
    values = [text[i * 64 : (i + 1) * 64] for i in range(200_000)]
    assert np.array_equal(parse_hex(values, 64), raw)
