"""FAISS's OpenMP thread count is per calling thread: every thread that
searches must use the configured count, not only the one that opened the engine."""

from __future__ import annotations

import threading

import faiss
import numpy as np
import pytest

from fairgate.index import flat, omp
from fairgate.index.hamming import HammingIndex


@pytest.fixture
def restore() -> object:
    before = omp.configured()
    yield None
    omp.configure(before)


def _in_new_thread(fn: object) -> list[int]:
    seen: list[int] = []

    def run() -> None:
        fn()  # type: ignore[operator]
        seen.append(faiss.omp_get_max_threads())

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=30)
    return seen


def test_a_search_in_another_thread_uses_the_configured_count(restore: object) -> None:
    # A fresh thread starts at the OpenMP default, whatever this thread set:
    # configure a count that differs from it, so the test can tell them apart.
    [default] = _in_new_thread(lambda: None)
    wanted = 2 if default == 1 else 1
    omp.configure(wanted)
    assert _in_new_thread(lambda: None) == [default]
    index = HammingIndex(bits=256, max_distance=31)
    n = flat.SMALL_ROWS + 20  # more than numpy answers for: FAISS searches
    codes = np.random.default_rng(0).integers(0, 256, size=(n, 32), dtype=np.uint8)
    index.add_codes(np.arange(n), codes)
    assert _in_new_thread(lambda: index.query_codes(codes[:2])) == [wanted]


def test_configure_refuses_zero() -> None:
    with pytest.raises(ValueError, match="at least one"):
        omp.configure(0)
