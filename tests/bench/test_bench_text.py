"""Smoke test of the text matching benchmark at a tiny size (no speed asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fairgate.bench.text import message_mix, synthetic_terms


def test_synthetic_terms_are_distinct_seeded_and_mixed() -> None:
    terms = synthetic_terms(500, seed=2)
    assert len(set(terms)) == 500
    assert terms == synthetic_terms(500, seed=2)
    chinese = [t for t in terms if not t.isascii()]
    assert 50 < len(chinese) < 200
    assert all(3 <= len(t) <= 4 for t in chinese)
    assert all(1 <= len(t.split()) <= 3 for t in terms if t.isascii())


def test_message_mix_carries_terms_in_the_requested_share() -> None:
    terms = synthetic_terms(100)
    messages, hits, corpus, _ = message_mix(terms, 300, hit_share=0.1, seed=0)
    assert len(messages) == 300
    assert 10 <= hits <= 60
    assert sum(any(t in m for t in terms) for m in messages) >= hits
    assert all(len(m) <= 200 for m in messages)
    assert corpus


def test_bench_text_cli_reports_stages_and_the_baseline(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "text", "--terms", "300",
         "--messages", "200", "--screen-messages", "20", "--hit-share", "0.2", "--json"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["terms"] == 300
    names = [s["name"] for s in data["stages"]]
    assert names == [
        "pyahocorasick over text.lower()",
        "fast_forms",
        "match_text",
        "Engine.screen (SQLite)",
    ]
    assert data["baseline"]["name"].startswith("ahocorasick-rs")
    match = data["stages"][2]
    assert match["messages"] == 200
    assert match["hits"] >= data["hit_messages"] > 0  # every carried term is found
    assert data["baseline"]["hits"] >= data["hit_messages"]
    assert data["vs_baseline"]["match_text"]["mean"] > 0
    assert data["build_s"] > 0
    assert data["machine"]["cores"]
    assert set(data["targets"]) >= {"rate_met", "p99_met"}
