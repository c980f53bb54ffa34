"""The SignalIndex contract, run against every implementation (see conftest.FACTORIES)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from tests.index.index_testkit import IndexFactory, random_codes, to_hex

from fairgate.errors import InvalidInput, InvalidSignalValue
from fairgate.index.base import Hit, SignalIndex

RNG_SEED = 20240611


@pytest.fixture
def values() -> list[str]:
    # Random 256-bit values are ~128 bits apart: no two match at radius 31.
    return to_hex(random_codes(np.random.default_rng(RNG_SEED), 40))


def ids_of(hits: list[Hit]) -> list[int]:
    return [hit.entry_id for hit in hits]


def test_implements_protocol(make_index: IndexFactory) -> None:
    assert isinstance(make_index(), SignalIndex)


def test_empty_index(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    assert len(index) == 0
    assert index.query(values[:3]) == [[], [], []]
    assert index.query([]) == []
    index.add([])
    index.disable([])
    index.disable([1, 2, 3])
    assert len(index) == 0


def test_add_then_query_finds_each_value_at_distance_zero(
    make_index: IndexFactory, values: list[str]
) -> None:
    index = make_index()
    index.add([(100 + i, v) for i, v in enumerate(values)])
    assert len(index) == len(values)
    results = index.query(values)
    assert results == [[Hit(entry_id=100 + i, distance=0)] for i in range(len(values))]


def test_query_keeps_input_order_and_repeats(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(1, values[0]), (2, values[1])])
    results = index.query([values[1], values[5], values[0], values[1]])
    assert [ids_of(r) for r in results] == [[2], [], [1], [2]]


def test_uppercase_hex_matches(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(7, values[0].upper())])
    assert ids_of(index.query([values[0]])[0]) == [7]
    assert ids_of(index.query([values[0].upper()])[0]) == [7]


def test_disable(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(i, v) for i, v in enumerate(values)])
    index.disable([3, 5, 999])
    assert len(index) == len(values) - 2
    results = index.query(values)
    for i, hits in enumerate(results):
        assert ids_of(hits) == ([] if i in (3, 5) else [i])
    index.disable([3])  # twice is fine
    assert len(index) == len(values) - 2


def test_readd_replaces_value(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(1, values[0]), (2, values[1])])
    index.add([(1, values[2])])
    assert len(index) == 2
    old, new, other = index.query([values[0], values[2], values[1]])
    assert old == []
    assert ids_of(new) == [1]
    assert ids_of(other) == [2]


def test_readd_after_disable_matches_again(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(1, values[0])])
    index.disable([1])
    assert index.query([values[0]]) == [[]]
    index.add([(1, values[0])])
    assert len(index) == 1
    assert ids_of(index.query([values[0]])[0]) == [1]


def test_same_id_twice_in_one_batch_last_wins(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(1, values[0]), (1, values[1])])
    assert len(index) == 1
    assert index.query([values[0]]) == [[]]
    assert ids_of(index.query([values[1]])[0]) == [1]


def test_entries_sharing_a_value_are_all_returned(
    make_index: IndexFactory, values: list[str]
) -> None:
    index = make_index()
    index.add([(30, values[0]), (10, values[0]), (20, values[1])])
    index.add([(5, values[0])])
    assert ids_of(index.query([values[0]])[0]) == [5, 10, 30]
    index.disable([10])
    assert ids_of(index.query([values[0]])[0]) == [5, 30]
    assert len(index) == 3


def test_large_and_negative_ids(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.add([(2**40, values[0]), (-3, values[1]), (0, values[2])])
    assert [ids_of(r) for r in index.query(values[:3])] == [[2**40], [-3], [0]]
    index.disable([2**40])
    assert index.query([values[0]]) == [[]]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("ab" * 31, "expected"),  # too short
        ("ab" * 33, "expected"),  # too long
        ("zz" + "ab" * 31, "non-hex"),
        ("ab" * 31 + " a", "non-hex"),
        ("", "expected"),
    ],
)
def test_bad_values_are_rejected(
    make_index: IndexFactory, values: list[str], bad: str, reason: str
) -> None:
    index = make_index()
    index.add([(1, values[0])])
    with pytest.raises(InvalidSignalValue, match=reason):
        index.add([(2, values[1]), (3, bad)])
    # Nothing of a rejected batch is added.
    assert len(index) == 1
    assert index.query([values[1]]) == [[]]
    with pytest.raises(InvalidSignalValue, match=reason):
        index.query([values[0], bad])


def test_non_string_value_is_rejected(make_index: IndexFactory) -> None:
    index = make_index()
    with pytest.raises(InvalidInput):
        index.add([(1, 12345)])  # type: ignore[list-item]


def test_random_operations_match_a_model(make_index: IndexFactory) -> None:
    """Interleaved adds, re-adds and disables (crossing rebuild thresholds)
    always answer like a dict of id -> value."""
    rng = random.Random(RNG_SEED)
    pool = to_hex(random_codes(np.random.default_rng(RNG_SEED + 1), 60))
    index = make_index()
    model: dict[int, str] = {}
    for step in range(120):
        op = rng.random()
        if op < 0.6:
            batch = [(rng.randrange(80), rng.choice(pool)) for _ in range(rng.randrange(1, 12))]
            index.add(batch)
            model.update(batch)
        else:
            gone = [rng.randrange(90) for _ in range(rng.randrange(1, 6))]
            index.disable(gone)
            for entry_id in gone:
                model.pop(entry_id, None)
        assert len(index) == len(model), f"step {step}"
        if step % 10 == 9:
            expected = [sorted(i for i, v in model.items() if v == value) for value in pool]
            assert [ids_of(r) for r in index.query(pool)] == expected, f"step {step}"


def test_extend_streams_a_bulk_load(make_index: IndexFactory, values: list[str]) -> None:
    index = make_index()
    index.extend((10 + i, v) for i, v in enumerate(values))
    assert len(index) == len(values)
    assert [ids_of(r) for r in index.query(values)] == [[10 + i] for i in range(len(values))]
    # Extending a filled index keeps earlier entries and live updates keep working.
    index.extend(iter([(99, values[0])]))
    assert sorted(ids_of(index.query([values[0]])[0])) == [10, 99]
    index.disable([10])
    assert ids_of(index.query([values[0]])[0]) == [99]
    index.extend(iter([]))
    assert len(index) == len(values)


def test_extend_across_chunks(make_index: IndexFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fairgate.index.hexcodes.CHUNK", 7)
    codes = to_hex(random_codes(np.random.default_rng(7), 50))
    index = make_index()
    index.extend((i, v) for i, v in enumerate(codes))
    assert len(index) == len(codes)
    assert [ids_of(r) for r in index.query(codes)] == [[i] for i in range(len(codes))]


def test_hamming_extend_rebuilds_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from fairgate.index.hamming import HammingIndex

    monkeypatch.setattr("fairgate.index.hexcodes.CHUNK", 10)
    codes = to_hex(random_codes(np.random.default_rng(3), 95))
    index = HammingIndex(kind="mih")
    index.extend((i, v) for i, v in enumerate(codes))
    assert index.rebuilds == 1


def test_queries_while_another_thread_adds_and_disables(
    make_index: IndexFactory, values: list[str]
) -> None:
    """The engine queries an index without any lock of its own while the change
    feed adds and disables entries: every index must be safe for that."""
    import threading

    index = make_index()
    index.add([(1, values[0])])
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for round_ in range(30):
                index.add([(1000 + round_ * 10 + i, v) for i, v in enumerate(values[1:11])])
                index.disable([1000 + round_ * 10 + i for i in range(10)])
        except BaseException as exc:  # handed to the test
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not done.is_set():
        try:
            # The entry that is never touched is always found, exactly once.
            assert ids_of(index.query([values[0]])[0]) == [1]
            index.query(values[1:11])
        except BaseException as exc:
            errors.append(exc)
            break
    thread.join(20)
    assert errors == []
    assert ids_of(index.query([values[0]])[0]) == [1]
    assert all(r == [] for r in index.query(values[1:11]))
