"""ListStore contract: entries, disabling, streaming and the change log."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from fairgate.errors import InvalidInput, NotFound, StoreError
from fairgate.store import SqlStore
from fairgate.store import tables as t
from fairgate.store.records import NewEntry
from fairgate.store.validation import MAX_VALUE_CHARS
from fairgate.types import ListType


def sha(i: int) -> NewEntry:
    return NewEntry("sha256", f"{i:064x}", note=f"n{i}", source=f"file{i}.jpg")


def count_rows(store: SqlStore, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def image_list_id(store: SqlStore) -> int:
    return store.create_list("images", ListType.IMAGE).id


def test_add_entries_returns_ids_in_order(store: SqlStore, image_list_id: int) -> None:
    new = [sha(i) for i in range(2500)]  # several insert batches
    ids = store.add_entries(image_list_id, new, added_by="bob")
    assert len(ids) == len(new)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for i in (0, 1, 999, 1000, 2499):
        got = store.get_entry(ids[i])
        assert (got.value, got.note, got.source) == (new[i].value, new[i].note, new[i].source)
        assert got.list_id == image_list_id
        assert got.added_by == "bob"
        assert got.active
        assert got.added_at.utcoffset() == timedelta(0)


def test_add_entries_writes_one_add_change_per_entry(store: SqlStore, image_list_id: int) -> None:
    ids = store.add_entries(image_list_id, [sha(1), sha(2), sha(3)], added_by="bob")
    changes = store.changes_since(0)
    assert [(c.op, c.list_id, c.entry_id) for c in changes] == [
        ("add", image_list_id, i) for i in ids
    ]
    assert store.last_change_seq() == changes[-1].seq


def test_add_no_entries(store: SqlStore, image_list_id: int) -> None:
    assert store.add_entries(image_list_id, [], added_by="bob") == []
    assert store.last_change_seq() == 0


def test_add_to_unknown_list(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.add_entries(42, [sha(1)], added_by="bob")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (NewEntry("term", "hello"), "does not fit"),
        (NewEntry("sha256", ""), "empty value"),
        (NewEntry("sha256", "   "), "empty value"),
        (NewEntry("", "ab"), "signal type"),
        (NewEntry("sha256", "a" * (MAX_VALUE_CHARS + 1)), "at most"),
    ],
)
def test_bad_entries_rejected_and_nothing_written(
    store: SqlStore, image_list_id: int, entry: NewEntry, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        store.add_entries(image_list_id, [sha(1), entry], added_by="bob")
    assert count_rows(store, t.entries) == 0
    assert store.last_change_seq() == 0


def test_text_lists_take_terms_only(store: SqlStore) -> None:
    words = store.create_list("words", ListType.TEXT)
    ids = store.add_entries(words.id, [NewEntry("term", "fr€e m0ney")], added_by="bob")
    assert store.get_entry(ids[0]).value == "fr€e m0ney"
    with pytest.raises(InvalidInput, match="does not fit"):
        store.add_entries(words.id, [sha(1)], added_by="bob")


def _fail_inserts(store: SqlStore, table: str, when: str) -> None:
    """Install a trigger that makes the database reject matching inserts into ``table``."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} WHEN {when} "
                "BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION fail_insert()"
            )


@pytest.mark.parametrize(
    ("table", "when"),
    [
        ("list_changes", "NEW.entry_id > 0"),
        ("entries", f"NEW.value = '{sha(2000).value}'"),
    ],
    ids=["change-rows-fail", "later-entry-fails"],
)
def test_add_entries_is_all_or_nothing(
    store: SqlStore, image_list_id: int, table: str, when: str
) -> None:
    store.add_entries(image_list_id, [sha(0)], added_by="bob")
    seq = store.last_change_seq()
    _fail_inserts(store, table, when)
    with pytest.raises(StoreError, match="boom"):
        store.add_entries(image_list_id, [sha(i) for i in range(1, 3001)], added_by="bob")
    assert count_rows(store, t.entries) == 1
    assert count_rows(store, t.list_changes) == 1
    assert store.last_change_seq() == seq
    assert [e.value for e in store.entries(image_list_id)] == [sha(0).value]


def test_disable_keeps_the_entry(store: SqlStore, image_list_id: int) -> None:
    ids = store.add_entries(image_list_id, [sha(1), sha(2)], added_by="bob")
    seq = store.last_change_seq()
    record = store.disable_entry(image_list_id, ids[0], by="carol", reason="false positive")
    assert record.id == ids[0]
    assert not record.active
    assert record.disabled_by == "carol"
    assert record.disabled_reason == "false positive"
    assert record.disabled_at is not None
    assert record.disabled_at.utcoffset() == timedelta(0)
    assert store.get_entry(ids[0]) == record
    assert count_rows(store, t.entries) == 2
    [change] = store.changes_since(seq)
    assert (change.op, change.list_id, change.entry_id) == ("disable", image_list_id, ids[0])
    assert change.at == record.disabled_at


def test_disable_twice_is_a_noop(store: SqlStore, image_list_id: int) -> None:
    [entry_id] = store.add_entries(image_list_id, [sha(1)], added_by="bob")
    first = store.disable_entry(image_list_id, entry_id, by="carol", reason="one")
    seq = store.last_change_seq()
    again = store.disable_entry(image_list_id, entry_id, by="dave", reason="two")
    assert again == first
    assert store.last_change_seq() == seq


def test_disable_in_wrong_list_or_unknown(store: SqlStore, image_list_id: int) -> None:
    other = store.create_list("other", ListType.IMAGE)
    [entry_id] = store.add_entries(image_list_id, [sha(1)], added_by="bob")
    seq = store.last_change_seq()
    with pytest.raises(NotFound):
        store.disable_entry(other.id, entry_id, by="carol")
    with pytest.raises(NotFound):
        store.disable_entry(image_list_id, entry_id + 1000, by="carol")
    assert store.get_entry(entry_id).active
    assert store.last_change_seq() == seq


def test_get_unknown_entry(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.get_entry(12345)


def test_get_entries_in_one_call_leaves_unknown_ids_out(
    store: SqlStore, image_list_id: int
) -> None:
    ids = store.add_entries(image_list_id, [sha(i) for i in range(1200)], added_by="bob")
    store.disable_entry(image_list_id, ids[5], by="carol")
    wanted = [*ids[::2], ids[5], 10**9]  # more than one query's worth, a disabled one, an unknown
    got = store.get_entries(wanted)
    assert set(got) == set(ids[::2]) | {ids[5]}
    assert got[ids[0]] == store.get_entry(ids[0])
    assert not got[ids[5]].active
    assert store.get_entries([]) == {}


def test_entries_stream_across_pages(store: SqlStore, image_list_id: int) -> None:
    store.entries_page_size = 3
    other = store.create_list("other", ListType.IMAGE)
    mine: list[int] = []
    theirs: list[int] = []
    for i in range(5):  # interleave the two lists' ids
        mine += store.add_entries(image_list_id, [sha(2 * i), sha(2 * i + 1)], added_by="b")
        theirs += store.add_entries(other.id, [sha(100 + i)], added_by="b")
    for entry_id in (mine[0], mine[3], mine[9]):
        store.disable_entry(image_list_id, entry_id, by="c")

    active = [e.id for e in store.entries(image_list_id)]
    assert active == [i for i in mine if i not in (mine[0], mine[3], mine[9])]
    assert [e.id for e in store.entries(image_list_id, active_only=False)] == mine
    assert [e.id for e in store.entries(other.id)] == theirs
    everything = [e.id for e in store.entries(active_only=False)]
    assert everything == sorted(mine + theirs)
    assert len(list(store.entries())) == len(everything) - 3


def test_entries_and_values_by_signal_type(store: SqlStore, image_list_id: int) -> None:
    store.entries_page_size = 1  # active_values pages by 4x this
    md5 = [NewEntry("md5", f"{i:032x}") for i in range(6)]
    sha_ids = store.add_entries(image_list_id, [sha(i) for i in range(7)], added_by="b")
    md5_ids = store.add_entries(image_list_id, md5, added_by="b")
    store.disable_entry(image_list_id, sha_ids[2], by="c")
    expected = [(i, f"{n:064x}") for n, i in enumerate(sha_ids) if n != 2]
    assert list(store.active_values("sha256")) == expected
    assert [v for _, v in store.active_values("md5")] == [e.value for e in md5]
    assert list(store.active_values("pdq")) == []
    assert store.count_entries(image_list_id) == 12
    with pytest.raises(NotFound):
        store.count_entries(404)
    assert [e.id for e in store.entries(signal_type="md5")] == md5_ids
    assert [e.id for e in store.entries(signal_type="sha256", active_only=False)] == sha_ids


def test_entries_is_lazy_and_checks_the_list_first(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.entries(404)
    assert list(store.entries()) == []


def test_changes_since_and_last_seq(store: SqlStore, image_list_id: int) -> None:
    assert store.last_change_seq() == 0
    assert store.changes_since(0) == []
    a = store.add_entries(image_list_id, [sha(1), sha(2), sha(3)], added_by="b")
    store.disable_entry(image_list_id, a[1], by="c")
    b = store.add_entries(image_list_id, [sha(4), sha(5)], added_by="b")

    changes = store.changes_since(0)
    assert [(c.op, c.entry_id) for c in changes] == [
        ("add", a[0]),
        ("add", a[1]),
        ("add", a[2]),
        ("disable", a[1]),
        ("add", b[0]),
        ("add", b[1]),
    ]
    seqs = [c.seq for c in changes]
    assert seqs == sorted(set(seqs))
    assert store.last_change_seq() == seqs[-1]
    assert store.changes_since(seqs[2]) == changes[3:]
    assert store.changes_since(seqs[0], limit=2) == changes[1:3]
    assert store.changes_since(seqs[-1]) == []
    assert all(c.at.tzinfo is not None for c in changes)
    assert changes[0].at <= changes[3].at <= changes[4].at <= datetime.now(UTC)


def test_changes_since_rejects_bad_limit(store: SqlStore) -> None:
    with pytest.raises(InvalidInput, match="limit"):
        store.changes_since(0, limit=0)


def test_concurrent_writers_lose_no_change(db_url: str, store: SqlStore) -> None:
    from fairgate.store import open_store

    list_id = store.create_list("busy", ListType.IMAGE).id
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with open_store(db_url) as mine:
                for k in range(10):
                    mine.add_entries(
                        list_id, [sha(n * 1000 + k), sha(n * 1000 + k + 500)], added_by=f"w{n}"
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    changes = store.changes_since(0)
    assert len(changes) == 4 * 10 * 2
    assert [c.seq for c in changes] == sorted({c.seq for c in changes})
    assert sorted(c.entry_id for c in changes) == [e.id for e in store.entries(list_id)]


def test_values_of_any_size_are_stored_and_found_by_their_digest(
    store: SqlStore, image_list_id: int
) -> None:
    # ~12 KB, like an orb entry: over PostgreSQL's btree row limit (~2.7 KB)
    big = NewEntry("orb", "orb1:" + "ab" * 6000, note="", source="big.jpg")
    small = sha(5)
    ids = store.add_entries(image_list_id, [big, small, big], added_by="bob")
    assert store.get_entry(ids[0]).value == big.value
    assert store.entry_ids_with_value("orb", big.value) == [ids[0], ids[2]]
    assert store.entry_ids_with_value("sha256", small.value, list_id=image_list_id) == [ids[1]]
    assert store.entry_ids_with_value("orb", big.value + "x") == []
    assert store.entry_ids_with_value("sha256", big.value) == []  # another signal type
    other = store.create_list("other", ListType.IMAGE).id
    assert store.entry_ids_with_value("orb", big.value, list_id=other) == []
    store.disable_entry(image_list_id, ids[0], by="bob")
    assert store.entry_ids_with_value("orb", big.value) == [ids[2]]
    with store.engine.connect() as conn:
        digests = dict(conn.execute(select(t.entries.c.id, t.entries.c.value_sha256)).all())
    assert digests[ids[1]] == hashlib.sha256(small.value.encode()).hexdigest()
    assert digests[ids[0]] == digests[ids[2]] == hashlib.sha256(big.value.encode()).hexdigest()
