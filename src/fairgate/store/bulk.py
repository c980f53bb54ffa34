"""Bulk inserts of entries and their change rows, fast on both backends.

* SQLite: ``INSERT ... RETURNING`` through SQLAlchemy's "insertmanyvalues" with
  ``sort_by_parameter_order=True``, so ids come back in input order.
* PostgreSQL: ids are drawn from the table's sequence first (one query), then
  the rows are streamed with ``COPY`` (several times faster than multi-row
  ``INSERT``). The ids are sorted and handed out in input order, so ids ascend
  in the order the caller gave the entries.

Both run inside the caller's transaction, so a failure anywhere rolls back
every row written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Connection, insert, text

from fairgate.errors import StoreError
from fairgate.store import tables as t

ENTRY_COLUMNS = (
    "list_id",
    "signal_type",
    "value",
    "value_sha256",
    "note",
    "source",
    "added_by",
    "added_at",
)
CHANGE_COLUMNS = ("op", "list_id", "entry_id", "at")


def insert_entries(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert entry rows (keys :data:`ENTRY_COLUMNS`); their new ids, in input order."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        ids = _next_ids(conn, "entries", "id", len(rows))
        _copy(
            conn,
            "entries",
            ("id", *ENTRY_COLUMNS),
            [(i, *_values(r, ENTRY_COLUMNS)) for i, r in zip(ids, rows, strict=True)],
        )
        return ids
    stmt = insert(t.entries).returning(t.entries.c.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, list(rows)).scalars())


def insert_changes(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append change rows (keys :data:`CHANGE_COLUMNS`); ``seq`` follows input order."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, "list_changes", CHANGE_COLUMNS, [_values(r, CHANGE_COLUMNS) for r in rows])
        return
    conn.execute(insert(t.list_changes), list(rows))


def _values(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[c] for c in columns)


def _next_ids(conn: Connection, table: str, column: str, count: int) -> list[int]:
    stmt = text(
        "SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :count)"
    )
    params = {"table": table, "column": column, "count": count}
    return sorted(int(i) for i in conn.execute(stmt, params).scalars())


def _copy(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``COPY table (columns) FROM STDIN`` on the connection's own (open) transaction."""
    driver_connection = conn.connection.driver_connection
    if driver_connection is None:  # pragma: no cover - the connection is open here
        raise RuntimeError("no DBAPI connection for COPY")
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    try:
        with driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"database error: {reason}") from exc
