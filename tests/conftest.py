"""Shared fixtures: where the shared reference data lives; databases of every
backend (SQLite always, PostgreSQL when ``FAIRGATE_TEST_POSTGRES_URL`` is set).

PostgreSQL isolation: each test gets a fresh, uniquely named schema, selected
through libpq's ``options=-csearch_path=<schema>`` in the URL, so migrations,
``alembic_version`` and all tables live inside it; the schema is dropped
(CASCADE) afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairgate.bench.scratch_db import scratch_database
from fairgate.engine import Engine
from fairgate.policy import load_policy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PDQ_IMAGES = SHARED / "pdq-reference" / "images"
EXAMPLES = ROOT / "examples"


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    return path


POSTGRES_ENV = "FAIRGATE_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
        with scratch_database(os.environ[POSTGRES_ENV], prefix="fg_test") as url:
            yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    with Engine.open(db_url, policy=load_policy(EXAMPLES / "policy.yaml")) as e:
        yield e
