"""Fixtures for the store contract tests: every test runs against SQLite, and
against PostgreSQL when ``FAIRGATE_TEST_POSTGRES_URL`` is set.

PostgreSQL isolation: each test gets a fresh, uniquely named schema, selected
through libpq's ``options=-csearch_path=<schema>`` in the URL, so migrations,
``alembic_version`` and all tables live inside it; the schema is dropped
(CASCADE) afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from fairgate.store import SqlStore, open_store
from fairgate.store.engine import make_engine, normalize_url
from fairgate.types import (
    AccountState,
    Action,
    Decision,
    Evidence,
    ListAction,
    Match,
    Notice,
    Reason,
    Signal,
)

POSTGRES_ENV = "FAIRGATE_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _postgres_schema_url(base: str) -> Iterator[str]:
    admin = make_engine(normalize_url(base))
    schema = f"fg_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres" and not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"PostgreSQL contract tests need {POSTGRES_ENV} (e.g. postgresql://...)")
    return name


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fairgate.db'}"
    else:
        yield from _postgres_schema_url(os.environ[POSTGRES_ENV])


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    with open_store(db_url) as s:
        yield s


@pytest.fixture
def make_decision() -> Callable[..., Decision]:
    def build(decision_id: str = "d-1", sender: str = "alice") -> Decision:
        match = Match(
            list_id=1,
            list_name="known-bad",
            entry_id=7,
            signal_type="pdq",
            source="attachment:0",
            evidence=Evidence(distance=4, variant="rot90", quality=90, value="ab" * 32),
        )
        reason = Reason(
            rule="hash.known_bad",
            rule_text="Known abusive image",
            action=ListAction.BLOCK,
            severity=8,
            match=match,
        )
        return Decision(
            decision_id=decision_id,
            created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            message_id="m-1",
            sender=sender,
            conversation="c-9",
            kind="chat",
            action=Action.BLOCK,
            reasons=(reason,),
            notice=Notice(
                text="Your message was blocked: known abusive image. — ünïcode ok",
                rule="hash.known_bad",
                automated=True,
                penalty="1 strike",
                appeal="/v1/decisions/d-1/appeal",
            ),
            account=AccountState(account_id=sender, strikes=1),
            signals=(
                Signal("sha256", "cd" * 32, attachment=0),
                Signal("pdq", "ab" * 32, attachment=0, quality=90),
                Signal("pdq", "ef" * 32, attachment=0, quality=90, variant="rot90"),
            ),
        )

    return build
