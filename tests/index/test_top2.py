"""``top2``: every implementation (each compiled kernel this CPU runs, and FAISS) gives
the nearest and second-nearest Hamming distance and the nearest's row that a brute-force
numpy pass gives, including the edges (no base rows, one, ties, blocks and lanes cut
short); and the package on this machine was built with the compiled kernel."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from fairgate.index import top2 as top2_module
from fairgate.index.top2 import FARTHER, backend, kernels, top2

IMPLEMENTATIONS = [*kernels(), "faiss"]


def _brute(queries: npt.NDArray[np.uint8], base: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """n x m Hamming distances, the slow obvious way."""
    xor = queries[:, None, :] ^ base[None, :, :]
    return np.unpackbits(xor, axis=2).sum(axis=2).astype(np.int64)


def _check(queries: npt.NDArray[np.uint8], base: npt.NDArray[np.uint8], kernel: str) -> None:
    nearest, second, label = top2(queries, base, kernel=kernel)
    assert nearest.shape == second.shape == label.shape == (len(queries),)
    if len(queries) == 0:
        return
    if len(base) == 0:
        assert (nearest == FARTHER).all()
        assert (second == FARTHER).all()
        assert (label == -1).all()
        return
    full = _brute(queries, base)
    ordered = np.sort(full, axis=1)
    assert (nearest == ordered[:, 0]).all()
    expected_second = ordered[:, 1] if len(base) > 1 else np.full(len(queries), FARTHER)
    assert (second == expected_second).all()
    assert (full[np.arange(len(queries)), label] == nearest).all()  # the row is a nearest
    if kernel != "faiss":  # the compiled kernel promises the lowest such row
        lowest = np.argmax(full == ordered[:, :1], axis=1)
        assert (label == lowest).all()


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    ("n", "m"),
    [(0, 5), (4, 0), (3, 1), (5, 2), (17, 15), (9, 16), (40, 255), (33, 256), (21, 257), (8, 1029)],
)
def test_matches_brute_force(kernel: str, n: int, m: int) -> None:
    rng = np.random.default_rng(n * 1000 + m)
    queries = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    base = rng.integers(0, 256, (m, 32), dtype=np.uint8)
    _check(queries, base, kernel)


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_near_codes_ties_and_duplicates(kernel: str) -> None:
    """Real ORB codes are close to one another: flip a few bits of base rows, repeat
    rows (equal distances) and put the nearest in every lane and block position."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (600, 32), dtype=np.uint8)
    base[300:320] = base[280:300]  # duplicates: ties between rows
    picks = rng.integers(0, len(base), 400)
    queries = base[picks].copy()
    bits = np.unpackbits(queries, axis=1)
    flips = rng.random(bits.shape) < rng.uniform(0, 0.3, (len(queries), 1))
    queries = np.packbits(bits ^ flips, axis=1)
    queries[:10] = base[:10]  # distance 0
    _check(queries, base, kernel)


def test_views_and_bad_shapes() -> None:
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 256, (50, 64), dtype=np.uint8)
    queries, base = wide[:, :32], wide[10:40, 32:]  # not contiguous: copied, same answer
    got = top2(queries, base)
    want = top2(np.ascontiguousarray(queries), np.ascontiguousarray(base), kernel="faiss")
    for a, b in zip(got[:2], want[:2], strict=True):
        assert (a == b).all()
    with pytest.raises(ValueError, match="n x 32"):
        top2(rng.integers(0, 256, (5, 16), dtype=np.uint8), base)
    with pytest.raises(ValueError, match="n x 32"):
        top2(queries, rng.integers(0, 256, 32, dtype=np.uint8))


@pytest.mark.skipif(not kernels(), reason="built without the compiled kernel")
def test_compiled_kernel_refuses_what_it_cannot_do() -> None:
    base = np.zeros((65536, 32), dtype=np.uint8)
    with pytest.raises(ValueError, match="65535"):
        top2(np.zeros((1, 32), dtype=np.uint8), base, kernel=kernels()[0])
    with pytest.raises(ValueError, match="not available"):
        top2(np.zeros((1, 32), dtype=np.uint8), base[:4], kernel="no-such-kernel")


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64") or shutil.which("cc") is None,
    reason="the compiled kernel is built for x86-64 machines with a C compiler",
)
def test_this_build_runs_the_compiled_kernel() -> None:
    """setup.py marks the extension optional; on a machine like CI's it must be there,
    else ORB verification silently runs the slower FAISS search."""
    assert top2_module._hamming is not None
    assert "plain" in kernels()
    avx512 = top2_module.FAST_KERNEL in kernels()
    assert backend() == (f"c:{top2_module.FAST_KERNEL}" if avx512 else "faiss")


def test_bench_top2_cli_reports_every_implementation(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "top2", "--entries", "2,5",
         "--sent", "100", "--repeat", "3", "--json"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    implementations = [*(f"c:{k}" for k in kernels()), "faiss (baseline)"]
    assert [(r["entries"], r["implementation"]) for r in data["rows"]] == [
        (n, name) for n in (2, 5) for name in implementations
    ]
    assert all(row["agree"] for row in data["rows"])
    assert all(row["p50_ms"] > 0 and row["baseline_p50_ms"] > 0 for row in data["rows"])


@pytest.mark.parametrize("bad", [["--entries", "0"], ["--entries", "x"], ["--sent", "1"]])
def test_bench_top2_cli_refuses_bad_input(tmp_path: Path, bad: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "top2", *bad],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip()
