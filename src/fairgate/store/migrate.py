"""Alembic migrations, run programmatically (no ``alembic.ini`` needed at run time).

:func:`upgrade` is idempotent and safe when several processes open the same
database at once: the whole upgrade runs in one transaction that first takes a
lock (a PostgreSQL advisory transaction lock; ``BEGIN IMMEDIATE`` on SQLite),
so a second process waits, then finds the schema already at head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from fairgate.errors import StoreError
from fairgate.store.engine import WRITE_OPTIONS

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

MIGRATION_LOCK_KEY = 0x66_61_69_72_67_01
"""PostgreSQL advisory lock key held while migrating ("fairg" + 1)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, optionally bound to
    ``connection`` (``env.py`` reads it from ``config.attributes["connection"]``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of fairgate."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; a no-op when it already is."""
    with engine.connect() as conn:
        at_head = current_revision(conn) == head_revision()
        conn.rollback()
        if at_head:
            return
        conn.execution_options(**WRITE_OPTIONS)
        with foreign_keys_off(conn), conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            command.upgrade(alembic_config(conn), "head")


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``"base"``: nothing); for tests and
    operators rolling back a release."""
    with engine.connect() as conn:
        conn.execution_options(**WRITE_OPTIONS)
        with foreign_keys_off(conn), conn.begin():
            command.downgrade(alembic_config(conn), revision)


@contextmanager
def foreign_keys_off(conn: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off around a migration (outside its transaction:
    the pragma is a no-op inside one). Batch mode rebuilds a table by copying,
    dropping and renaming it, and dropping a table other rows point at fails
    with foreign keys on. Afterwards every reference is checked and foreign
    keys are on again. Elsewhere: nothing."""
    if conn.dialect.name != "sqlite":
        yield
        return
    if conn.in_transaction():  # pragma: no cover - callers pass a fresh connection
        raise StoreError("foreign keys can only be switched outside a transaction")
    driver = conn.connection.driver_connection
    if driver is None:  # pragma: no cover - the connection is open here
        raise StoreError("no DBAPI connection to migrate on")
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:  # pragma: no cover - a migration bug
            raise StoreError(f"the migration left broken references: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys = ON")
