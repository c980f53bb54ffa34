"""Alembic environment for fairgate.

At run time fairgate passes an open connection in
``config.attributes["connection"]`` (see ``fairgate.store.migrate``). For
developers running the ``alembic`` command (``alembic revision --autogenerate``)
the URL comes from ``-x url=...``, else ``sqlalchemy.url`` in ``alembic.ini``,
else ``FAIRGATE_DATABASE_URL``, else ``sqlite:///fairgate.db``.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from fairgate.settings import DEFAULT_DATABASE_URL
from fairgate.store.engine import make_engine, normalize_url
from fairgate.store.migrate import foreign_keys_off
from fairgate.store.tables import UtcDateTime, metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render fairgate's column types as plain SQLAlchemy types, so that
    migration files never import application code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict[str, Any]:
    return {
        "target_metadata": metadata,
        "render_as_batch": True,  # SQLite needs batch mode to alter tables
        "compare_type": True,
        "render_item": _render_item,
    }


def _url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("FAIRGATE_DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        context.configure(url=normalize_url(_url()), literal_binds=True, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    engine = make_engine(normalize_url(_url()))
    try:
        with engine.connect() as conn, foreign_keys_off(conn):
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


main()
