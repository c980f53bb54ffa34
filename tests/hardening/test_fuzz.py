"""The atheris harnesses run for a bounded time and find nothing (see fuzz/README.md)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from tests.conftest import ROOT

SECONDS_PER_HARNESS = "15"


@pytest.mark.slow
def test_fuzz_harnesses_find_no_crash(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed")
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "fuzz.sh"), SECONDS_PER_HARNESS],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, "FUZZ_CORPUS": str(tmp_path / "corpus")},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stderr.count("DONE") == 3
