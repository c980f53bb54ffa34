"""A throwaway database for a benchmark: a temporary SQLite file, or a fresh
schema in the given PostgreSQL database (dropped afterwards)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from fairgate.store.engine import make_engine, normalize_url


@contextmanager
def scratch_database(url: str | None, *, prefix: str = "fg_bench") -> Iterator[str]:
    """``url`` None or SQLite: a new SQLite file; PostgreSQL: a new schema in it
    (named ``<prefix>_<random>``), selected through libpq's ``search_path``."""
    if url is None or normalize_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fairgate-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    admin = make_engine(normalize_url(url))
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = normalize_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
