"""Short transactions for the webhook machinery, without the audit lock.

Dispatcher writes (cursor, deliveries) never append audit events, so they do
not queue behind screening's audit-locked transactions on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from fairgate.errors import StoreError
from fairgate.store.engine import WRITE_OPTIONS

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
    with translate(), engine.connect() as conn:
        conn.execution_options(**WRITE_OPTIONS)
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with translate(), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def translate() -> Iterator[None]:
    """Driver errors become ``StoreError`` with a one-line reason."""
    try:
        yield
    except SQLAlchemyError as exc:
        source: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        lines = [line.strip() for line in str(source).splitlines() if line.strip()]
        raise StoreError(f"webhooks: {lines[0] if lines else type(source).__name__}") from exc
