"""Migrations: idempotent, concurrent-safe, reversible, and in step with tables.py."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from fairgate.errors import StoreError
from fairgate.store import SqlStore, migrate, open_store
from fairgate.store import tables as t
from fairgate.store.records import NewEntry
from fairgate.store.tables import metadata
from fairgate.types import Decision, ListType

TABLES = {
    "lists",
    "entries",
    "list_changes",
    "decisions",
    "decision_signals",
    "strikes",
    "restrictions",
    "appeals",
    "review_items",
    "audit_events",
    "api_keys",
    "webhook_endpoints",
    "webhook_deliveries",
    "service_cursors",
    "console_users",
    "console_sessions",
    "held_media",
    "alembic_version",
}


def test_schema_is_at_head(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert set(inspect(conn).get_table_names()) == TABLES


def test_migrations_match_tables_py(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_open_twice_is_idempotent(db_url: str) -> None:
    with open_store(db_url) as first:
        first.create_list("kept", ListType.TEXT)
    with open_store(db_url) as second:
        assert [lst.name for lst in second.all_lists()] == ["kept"]
        with second.engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [r[0] for r in rows] == [migrate.head_revision()]


def test_concurrent_first_opens(db_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def opener() -> None:
        try:
            barrier.wait()
            with open_store(db_url) as store:
                store.ping()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_check_only_open(db_url: str) -> None:
    with pytest.raises(StoreError, match="run 'fairgate db upgrade'"):
        open_store(db_url, upgrade=False)
    open_store(db_url).close()
    with open_store(db_url, upgrade=False) as store:
        store.ping()


def test_downgrade_and_upgrade_again(store: SqlStore) -> None:
    with store.engine.connect() as conn, conn.begin():
        command.downgrade(migrate.alembic_config(conn), "base")
    with store.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        assert migrate.current_revision(conn) is None
    migrate.upgrade(store.engine)
    assert store.all_lists() == []


def test_unknown_revision_is_a_store_error(db_url: str, store: SqlStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(StoreError, match="from_the_future"):
        open_store(db_url)


def test_0005_fills_the_value_digests_of_rows_stored_before_it(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    listed = store.create_list("images", ListType.IMAGE)
    values = ["0" * 63 + "1", "orb1:" + "cd" * 4000]
    store.add_entries(
        listed.id, [NewEntry("sha256", values[0]), NewEntry("orb", values[1])], added_by="t"
    )
    store.save_decision(make_decision())
    store.add_entries(listed.id, [NewEntry("sha256", "0" * 64)], added_by="t")
    store.disable_entry(listed.id, 3, by="t")  # a change and an audit row point at it
    migrate.downgrade(store.engine, "0004")
    with store.engine.connect() as conn:
        assert "value_sha256" not in {c["name"] for c in inspect(conn).get_columns("entries")}
    migrate.upgrade(store.engine)
    with store.engine.connect() as conn:
        for table in (t.entries, t.decision_signals):
            rows = conn.execute(select(table.c.value, table.c.value_sha256)).all()
            assert len(rows) >= 2
            assert all(d == hashlib.sha256(v.encode()).hexdigest() for v, d in rows)
    assert store.entry_ids_with_value("orb", values[1]) == [2]
    assert [c.entry_id for c in store.changes_since(0)] == [1, 2, 3, 3]
    assert not store.get_entry(3).active
