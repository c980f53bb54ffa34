"""Rows a group-commit transaction writes at its end, one statement per table.

A screen call writes three rows that nothing in its transaction reads back:
the decision, its signals and its audit event. Inside a group commit
(:mod:`fairgate.store.group_commit`) those rows are collected here and
inserted together just before the commit (``executemany``), instead of three
statements per call. Anything that must see them earlier, or that references
a decision by foreign key (``store/accounts.py``'s strikes and restrictions,
``store/review.py``'s items), calls :func:`flush` first. Outside a group
commit nothing is deferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert

_KEY = "fairgate_deferred_rows"
_INSERTS: dict[Table, Insert] = {}
"""One INSERT statement per table, built once (building costs more than running)."""


def _insert(table: Table) -> Insert:
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table)
    return statement


class DeferredRows:
    def __init__(self) -> None:
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        """Per table, in the order tables were first written (parents first)."""

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self._rows.setdefault(table, []).extend(rows)

    def flush(self, conn: Connection) -> None:
        for table, rows in self._rows.items():
            if rows:
                conn.execute(_insert(table), rows)
        self._rows.clear()


@contextmanager
def collecting(conn: Connection) -> Iterator[None]:
    """Defer the rows written through :func:`of` until the block ends (then they
    are inserted, still inside the caller's transaction)."""
    rows = DeferredRows()
    conn.info[_KEY] = rows
    try:
        yield
        rows.flush(conn)
    finally:
        conn.info.pop(_KEY, None)


def of(conn: Connection) -> DeferredRows | None:
    """The collector of the block running on ``conn``, or None (write at once)."""
    rows: DeferredRows | None = conn.info.get(_KEY)
    return rows


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``: at the end of the collecting block running on
    ``conn`` if there is one, else at once."""
    if not rows:
        return
    later = of(conn)
    if later is not None:
        later.add(table, rows)
    else:
        conn.execute(_insert(table), rows)


def flush(conn: Connection) -> None:
    """Insert what has been deferred so far (before a row that refers to it)."""
    rows = of(conn)
    if rows is not None:
        rows.flush(conn)
