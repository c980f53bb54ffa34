"""The service benchmarks run end to end (tiny sizes; the figures are in docs/)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import pytest

from fairgate.bench.propagation import run as run_propagation
from fairgate.bench.service import parse_wrk, process_tree_cpu_s
from fairgate.bench.service import run as run_service

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/v1/screen
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.10ms    5.00ms  90.00ms   80.00%
  Latency Distribution
     50%   18.50ms
     75%   22.00ms
     90%   30.00ms
     99%    1.20s
  5000 requests in 5.00s, 1.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1000.00
Transfer/sec:    200.00KB
"""


def test_wrk_output_is_read() -> None:
    result = parse_wrk("x", WRK_OUTPUT)
    assert (result.requests, result.seconds, result.rps) == (5000, 5.0, 1000.0)
    assert (result.p50_ms, result.p99_ms) == (18.5, 1200.0)
    assert result.errors == 7


def test_cpu_of_a_process_tree_counts_its_children() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}]); input()",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while process_tree_cpu_s(parent.pid) < 0.25:  # the child's 0.3 s
            assert time.monotonic() < deadline, "the child's CPU time was never counted"
            assert parent.poll() is None
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait(10)


@pytest.mark.slow
def test_bench_service_runs_every_scenario() -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    report = run_service(db=None, workers=1, connections=4, duration=1, image_entries=2_500)
    assert report.image_entries == 2_500
    assert "1 file + 2,500 PDQ hashes" in str(report.render().title)
    names = [r.scenario for r in report.results]
    assert names[0] == "healthz (baseline)"
    assert len(names) == 5
    assert all(r.requests > 0 for r in report.results)
    assert all(r.server_cpu_ms > 0 for r in report.results)
    assert "vs_baseline_rps" in report.to_dict()
    assert all(r.errors == 0 for r in report.results)  # the extra entries were all accepted


def test_the_extra_list_entries_are_seeded_pdq_hashes() -> None:
    from fairgate.bench.service import _random_pdq_entries

    entries = _random_pdq_entries(50)
    assert entries == _random_pdq_entries(50)
    assert len(set(entries)) == 50
    assert all(re.fullmatch(r"pdq:[0-9a-f]{64}", e) for e in entries)


@pytest.mark.slow
def test_bench_propagation_measures_every_other_worker() -> None:
    report = run_propagation(db=None, redis_url=None, workers=2, trials=3, baseline=True)
    [polling] = report.results
    assert polling.mode == "polling"
    assert polling.samples == 3
    assert polling.p50_ms >= 0
