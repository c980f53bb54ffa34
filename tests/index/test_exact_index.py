"""ExactIndex specifics beyond the shared contract: several hash lengths in one index."""

from __future__ import annotations

import hashlib

import pytest

from fairgate.errors import InvalidSignalValue
from fairgate.index.exact import ExactIndex


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_md5_and_sha256_in_one_index() -> None:
    index = ExactIndex()
    index.add([(1, md5(b"a")), (2, sha256(b"a")), (3, md5(b"b"))])
    assert len(index) == 3
    hits = index.query([sha256(b"a"), md5(b"a"), md5(b"c"), sha256(b"b")])
    assert [[h.entry_id for h in r] for r in hits] == [[2], [1], [], []]
    assert all(h.distance == 0 for r in hits for h in r)


def test_readd_with_another_length_moves_the_entry() -> None:
    index = ExactIndex()
    index.add([(1, md5(b"a"))])
    index.add([(1, sha256(b"a"))])
    assert len(index) == 1
    assert index.query([md5(b"a"), sha256(b"a")]) == [[], index.query([sha256(b"a")])[0]]
    assert [h.entry_id for h in index.query([sha256(b"a")])[0]] == [1]


def test_one_bit_off_does_not_match() -> None:
    index = ExactIndex()
    value = sha256(b"x")
    index.add([(1, value)])
    near = format(int(value, 16) ^ 1, "064x")
    assert index.query([near]) == [[]]


def test_allowed_lengths() -> None:
    index = ExactIndex(lengths=(64,))
    with pytest.raises(InvalidSignalValue, match="expected 64 hex characters, got 32"):
        index.add([(1, md5(b"a"))])
    with pytest.raises(InvalidSignalValue, match="got 10"):
        ExactIndex().query(["abcdef0123"])
    with pytest.raises(ValueError, match="even"):
        ExactIndex(lengths=(63,))


def test_many_entries_bulk_and_live() -> None:
    index = ExactIndex()
    values = [sha256(str(i).encode()) for i in range(100_000)]
    index.add(list(enumerate(values)))
    index.add([(200_000 + i, values[i]) for i in range(10)])
    index.disable(range(5))
    hits = index.query([*values[:12], sha256(b"absent")])
    assert [[h.entry_id for h in r] for r in hits] == (
        [[200_000 + i] for i in range(5)]
        + [[i, 200_000 + i] for i in range(5, 10)]
        + [[10], [11], []]
    )
    assert len(index) == 100_005
    assert index.memory_bytes() < 100_005 * 80
