"""Brute-force radius search with FAISS ``IndexBinaryFlat``: exact, and the
fastest option below about a million entries (one query scans 32 MB per 1M
256-bit codes in about 1.2 ms on one core).

A part of at most ``SMALL_ROWS`` rows (a short list, or the few rows added
to a large one since its tables were built) is searched with numpy instead,
holding the GIL: FAISS releases the GIL around every search, and in a
service whose other threads are busy, taking it back costs a thread switch,
more than the whole search of a few rows. Measured in-process on a 2-core
machine, a pre-hashed screen call against a one-image list cost 0.06-0.09 ms
less CPU (about 10%); the answers are the same (tests/index/test_flat.py).
"""

from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt

from fairgate.index import omp

IntArray = npt.NDArray[np.int64]

SMALL_ROWS = 64
"""Parts up to this many rows are searched with numpy, under the GIL."""


class FlatPart:
    """Codes of rows ``base, base+1, ...`` in a FAISS flat index (labels are row - base)."""

    def __init__(self, nbytes: int, base: int = 0, *, small_rows: int = SMALL_ROWS) -> None:
        """``nbytes`` per code, a multiple of 8 (the padded rows of ``HammingIndex``)."""
        if nbytes % 8:
            raise ValueError(f"codes of {nbytes} bytes: expected a multiple of 8")
        self.base = base
        self._index = faiss.IndexBinaryFlat(nbytes * 8)
        self._nbytes = nbytes
        self._small_rows = small_rows
        self._small: npt.NDArray[np.uint64] | None = np.zeros((0, nbytes // 8), dtype=np.uint64)
        """The codes as 64-bit words while the part is small (None once it is not)."""

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def nbytes(self) -> int:
        return len(self) * self._nbytes

    def add(self, codes: npt.NDArray[np.uint8]) -> None:
        if not codes.shape[0]:
            return
        rows = np.ascontiguousarray(codes)
        self._index.add(rows)
        if self._small is not None:
            if len(self) <= self._small_rows:
                self._small = np.concatenate([self._small, rows.view(np.uint64)])
            else:
                self._small = None

    def search(
        self, queries: npt.NDArray[np.uint8], max_distance: int
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query, row, distance) arrays for every stored code within ``max_distance``,
        in query order, then row order."""
        nq = int(queries.shape[0])
        if nq == 0 or len(self) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        if self._small is not None:
            words = np.ascontiguousarray(queries).view(np.uint64)
            dist = np.bitwise_count(words[:, None, :] ^ self._small[None, :, :]).sum(
                axis=2, dtype=np.int64
            )
            qidx, found = np.nonzero(dist <= max_distance)
            return qidx.astype(np.int64), found.astype(np.int64) + self.base, dist[qidx, found]
        omp.apply()
        # FAISS binary range search keeps distances strictly below the radius.
        lims, dist, labels = self._index.range_search(
            np.ascontiguousarray(queries), max_distance + 1
        )
        qidx = np.repeat(np.arange(nq, dtype=np.int64), np.diff(lims).astype(np.int64))
        rows = labels.astype(np.int64) + self.base
        return qidx, rows, dist.astype(np.int64)
