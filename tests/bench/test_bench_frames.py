"""Smoke test of the frame-cost benchmark at a tiny size (no speed asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fairgate.bench.frames import run


def test_more_frames_screened_means_more_signals() -> None:
    report = run(formats=("GIF",), sizes=((64, 48),), frames=4, counts=(1, 3), repeat=1)
    (row,) = report.rows
    assert row.signals[3] > row.signals[1]
    assert row.per_frame_ms is not None
    assert set(row.median_ms) == {1, 3}


def test_bench_frames_cli(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "frames", "--frames", "3",
         "--counts", "1,2", "--repeat", "1", "--json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["rows"]) == 4
    assert all(r["signals"]["2"] > r["signals"]["1"] for r in data["rows"])
    bad = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "frames", "--counts", "x"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "--counts" in bad.stderr
