"""Schemathesis against a running server, with a key of every role: generated
requests for every operation of the OpenAPI document, and not one 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES
from tests.service.conftest import make_keys

from fairgate.bench.processes import Worker

EXAMPLES_PER_OPERATION = "12"


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(db_url: str, tmp_path: Path) -> None:
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("schemathesis is not installed")
    keys = make_keys(db_url)
    worker = Worker(db_url, redis_url=None, cwd=tmp_path, policy=EXAMPLES / "policy.yaml")
    try:
        for role, key in keys.items():
            run = subprocess.run(
                [
                    binary,
                    "run",
                    f"{worker.base}/openapi.json",
                    "-H",
                    f"Authorization: Bearer {key}",
                    "--checks",
                    "not_a_server_error",
                    "-n",
                    EXAMPLES_PER_OPERATION,
                    "--seed",
                    "7",
                    "--request-timeout",
                    "30",
                ],
                capture_output=True,
                text=True,
                timeout=900,
                cwd=tmp_path,
            )
            assert run.returncode == 0, f"{role}:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
            assert " passed" in run.stdout
        log = (tmp_path / f"worker-{worker.port}.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-4000:]
    finally:
        worker.stop()
