"""Opening stores: URLs, errors, SQLite connection setup, sharing a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from fairgate.errors import InvalidInput, StoreError
from fairgate.store import SqlStore, open_store
from fairgate.store.engine import normalize_url
from fairgate.store.records import NewEntry
from fairgate.types import ListType


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///x.db", "sqlite+pysqlite"),
        ("sqlite://", "sqlite+pysqlite"),
        ("postgresql://u:pw@h/db", "postgresql+psycopg"),
        ("postgres://u@h:5433/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
    ],
)
def test_url_driver_is_pinned(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("not a url", "invalid database URL"),
        ("mysql://u@h/db", "unsupported"),
        ("postgresql+psycopg2://u@h/db", "unsupported"),
        ("postgresql://u@h", "no database"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        open_store(url)


def test_password_is_masked_in_errors() -> None:
    with pytest.raises(InvalidInput) as info:
        open_store("postgresql://u:secret@h")
    assert "secret" not in str(info.value)


def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open database") as info:
        open_store("postgresql://u:secret@127.0.0.1:1/db?connect_timeout=2")
    assert "secret" not in str(info.value)
    assert "\n" not in str(info.value)


def test_unopenable_sqlite_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unable to open"):
        open_store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_memory_sqlite_keeps_data_across_calls(url: str) -> None:
    with open_store(url) as store:
        lst = store.create_list("mem", ListType.TEXT)
        store.add_entries(lst.id, [NewEntry("term", "x")], added_by="t")
        assert store.get_list("mem") == lst
        assert [e.value for e in store.entries(lst.id)] == ["x"]


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'p.db'}") as store, store.engine.connect() as conn:

        def pragma(name: str) -> object:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL
        assert int(str(pragma("busy_timeout"))) >= 1000
    assert (tmp_path / "p.db").exists()


def test_two_stores_share_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with open_store(url) as a, open_store(url) as b:
        lst = a.create_list("shared", ListType.IMAGE)
        assert b.get_list("shared") == lst
        ids = b.add_entries(lst.id, [NewEntry("md5", "0" * 32)], added_by="b")
        assert a.last_change_seq() == b.last_change_seq() == 1
        assert a.get_entry(ids[0]).value == "0" * 32
        a.disable_entry(lst.id, ids[0], by="a")
        assert not b.get_entry(ids[0]).active


def test_context_manager_closes_pooled_connections(store: SqlStore) -> None:
    closed: list[object] = []
    event.listen(store.engine, "close", lambda dbapi_conn, record: closed.append(dbapi_conn))
    with store as same:
        assert same is store
        same.ping()
        assert closed == []
    assert len(closed) >= 1


def test_repr_hides_password() -> None:
    with open_store("sqlite://") as store:
        assert repr(store) == "SqlStore('sqlite+pysqlite://')"
