"""Smoke test of the index benchmark at a tiny size (the real runs are 100k..10M)."""

from __future__ import annotations

import json

import faiss
import pytest
from rich.console import Console

from fairgate.bench.index import KINDS, run
from fairgate.errors import InvalidInput


def test_run_reports_every_kind_with_full_recall() -> None:
    threads = faiss.omp_get_max_threads()
    report = run(sizes=(3000,), queries=50, kinds=KINDS, seed=1)
    assert faiss.omp_get_max_threads() == threads  # restored
    assert [row.kind for row in report.rows] == list(KINDS)
    for row in report.rows:
        assert row.realistic.recall == 1.0, row.kind
        assert row.realistic.queries == 50
        assert row.realistic.p50_ms <= row.realistic.p99_ms
        assert row.memory_bytes > 0
    data = report.to_dict()
    json.dumps(data)
    assert "vs_faiss_flat" in data["rows"][0]
    assert data["machine"]["cores"]
    console = Console(width=200, record=True)
    console.print(report.render())
    assert "faiss-mih" in console.export_text()


def test_unknown_kind() -> None:
    with pytest.raises(InvalidInput, match="unknown index kinds"):
        run(sizes=(10,), kinds=("annoy",))
