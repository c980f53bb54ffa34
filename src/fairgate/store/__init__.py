"""Storage: SQLAlchemy Core tables on SQLite or PostgreSQL, with Alembic migrations.

``open_store(url)`` is the entry point: it accepts ``sqlite:///path.db``,
``sqlite://`` (memory) and ``postgresql://...`` URLs, migrates the schema to
head, and returns a :class:`SqlStore` implementing the narrow protocols in
:mod:`fairgate.store.protocols`.
"""

from fairgate.store.sql import SqlStore, open_store

__all__ = ["SqlStore", "open_store"]
