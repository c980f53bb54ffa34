"""The two nearest 256-bit codes of each query code (Hamming): ORB verification's search.

``top2(queries, base)`` returns, for each row of ``queries`` (n x 32 uint8), the
distance to its nearest row of ``base`` (m x 32 uint8), the distance to the
second nearest, and the nearest's row number (on a tie, the compiled kernel gives
the lowest row, FAISS any of them). With fewer
than two base rows the missing distances are 257 (farther than any code can
be) and the missing row -1.

It runs the compiled AVX-512 kernel of ``index/_hamming.c`` where the package
was built with it and the CPU has VPOPCNTDQ (``backend()`` says what runs), and
FAISS's ``IndexBinaryFlat`` otherwise. Why a kernel by hand: for 15,360 listed
keypoints against 600 sent ones (30 verify-worthy entries), FAISS took 21 ms a
sent image on this project's AMD EPYC machine, the largest part of screening an
image no list holds; the kernel 6 ms, 3.5x less (``fairgate bench top2``, both
in one run). Its AVX2 and plain C builds are no faster than FAISS (1.0x and
0.2x in that run), so they are not chosen; the tests still run them.
"""

from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt

from fairgate.index import omp

U8 = npt.NDArray[np.uint8]
I32 = npt.NDArray[np.int32]
FARTHER = 257
"""The distance reported where there is no nearest or no second-nearest row."""
MAX_BASE = 65535
"""Base rows the compiled kernel takes at most (it packs a row number into 16 bits);
larger bases go to FAISS."""

try:
    from fairgate.index import _hamming
except ImportError:  # built without a C compiler: FAISS answers
    _hamming = None  # type: ignore[assignment]


FAST_KERNEL = "avx512-vpopcntdq"
"""The one compiled kernel faster than FAISS (see the module doc)."""


def kernels() -> tuple[str, ...]:
    """The compiled kernels this CPU runs, fastest first (none without the extension)."""
    return tuple(_hamming.kernels) if _hamming is not None else ()


def default_kernel() -> str:
    """What answers :func:`top2` by default: the AVX-512 kernel where it runs, else FAISS."""
    return FAST_KERNEL if FAST_KERNEL in kernels() else "faiss"


def backend() -> str:
    """``c:<kernel>`` or ``faiss``: what :func:`top2` runs by default."""
    kernel = default_kernel()
    return kernel if kernel == "faiss" else f"c:{kernel}"


def _codes(codes: U8, what: str) -> U8:
    array = np.ascontiguousarray(codes, dtype=np.uint8)
    if array.ndim != 2 or array.shape[1] != 32:
        raise ValueError(f"{what} must be n x 32 uint8 codes, not {array.shape}")
    return array


def top2(queries: U8, base: U8, *, kernel: str | None = None) -> tuple[I32, I32, I32]:
    """``(nearest, second, label)`` of each query among ``base`` (see the module doc).

    ``kernel``: a compiled kernel's name (one of :func:`kernels`), or ``"faiss"``;
    by default :func:`default_kernel`, and FAISS for a base the kernel cannot take.
    """
    q = _codes(queries, "queries")
    b = _codes(base, "base")
    if kernel is None:
        kernel = default_kernel() if len(b) <= MAX_BASE else "faiss"
    if kernel == "faiss":
        return _faiss_top2(q, b)
    if _hamming is None:
        raise ValueError(f"kernel {kernel} is not available: fairgate was built without it")
    n = len(q)
    nearest = np.empty(n, dtype=np.int32)
    second = np.empty(n, dtype=np.int32)
    label = np.empty(n, dtype=np.int32)
    _hamming.top2(q, b, nearest, second, label, kernel)
    return nearest, second, label


def _faiss_top2(queries: U8, base: U8) -> tuple[I32, I32, I32]:
    n = len(queries)
    nearest = np.full(n, FARTHER, dtype=np.int32)
    second = np.full(n, FARTHER, dtype=np.int32)
    label = np.full(n, -1, dtype=np.int32)
    if n == 0 or len(base) == 0:
        return nearest, second, label
    omp.apply()
    index = faiss.IndexBinaryFlat(256)
    index.add(base)
    k = min(2, len(base))
    distances, labels = index.search(queries, k)
    nearest[:] = distances[:, 0]
    label[:] = labels[:, 0]
    if k == 2:
        second[:] = distances[:, 1]
    return nearest, second, label
