"""Alembic migrations, run programmatically (no ``alembic.ini`` needed at run time).

:func:`upgrade` is idempotent and safe when several processes open the same
database at once: the whole upgrade runs in one transaction that first takes a
lock (a PostgreSQL advisory transaction lock; ``BEGIN IMMEDIATE`` on SQLite),
so a second process waits, then finds the schema already at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

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
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            command.upgrade(alembic_config(conn), "head")
