"""Database URLs and engines: which URLs are accepted, and per-backend connect setup.

SQLite gets WAL, foreign keys, a busy timeout and ``synchronous=NORMAL`` on
every connection, and fairgate (not the ``sqlite3`` module) issues ``BEGIN``:
plain ``BEGIN`` for reads, ``BEGIN IMMEDIATE`` for writes (see
:data:`WRITE_OPTIONS`), so a writer takes the write lock up front and waits for
``busy_timeout`` instead of failing on a lock upgrade.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from fairgate.errors import InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 10_000

_BEGIN_OPTION = "fairgate_begin"
WRITE_OPTIONS: dict[str, Any] = {_BEGIN_OPTION: "IMMEDIATE"}
"""Execution options for a connection that will write (``BEGIN IMMEDIATE`` on SQLite)."""

_DRIVERS = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def normalize_url(url: str) -> URL:
    """Parse ``url`` and pin the driver fairgate uses; ``InvalidInput`` if unsupported.

    Accepted: ``sqlite://`` (memory), ``sqlite:///path.db``, ``postgresql://...``,
    ``postgres://...`` and ``postgresql+psycopg://...``.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("database URL is empty")
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise InvalidInput(f"invalid database URL {url!r}: {exc}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise InvalidInput(
            f"unsupported database URL scheme {parsed.drivername!r}: "
            "use sqlite:///PATH, sqlite:// (memory) or postgresql://USER@HOST/DB"
        )
    parsed = parsed.set(drivername=driver)
    if driver.startswith("postgresql") and not parsed.database:
        raise InvalidInput(f"database URL {safe_url(parsed)!r} names no database")
    return parsed


def safe_url(url: URL) -> str:
    """The URL as text with any password masked (for messages and logs)."""
    return url.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: URL) -> Engine:
    """An engine for a URL from :func:`normalize_url`, set up for its backend."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if is_memory_sqlite(url):
        engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Autocommit at the driver level; fairgate emits BEGIN itself (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch to WAL unless already on (or in memory). Switching needs an exclusive
    lock and SQLite does not wait for it via ``busy_timeout``, so several processes
    opening a new file at once retry here until the first one has switched."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode not in ("wal", "memory"):
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
