"""Brute-force radius search with FAISS ``IndexBinaryFlat``: exact, and the
fastest option below about a million entries (one query scans 32 MB per 1M
256-bit codes in about 1.2 ms on one core)."""

from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt

from fairgate.index import omp

IntArray = npt.NDArray[np.int64]


class FlatPart:
    """Codes of rows ``base, base+1, ...`` in a FAISS flat index (labels are row - base)."""

    def __init__(self, nbytes: int, base: int = 0) -> None:
        self.base = base
        self._index = faiss.IndexBinaryFlat(nbytes * 8)
        self._nbytes = nbytes

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def nbytes(self) -> int:
        return len(self) * self._nbytes

    def add(self, codes: npt.NDArray[np.uint8]) -> None:
        if codes.shape[0]:
            self._index.add(np.ascontiguousarray(codes))

    def search(
        self, queries: npt.NDArray[np.uint8], max_distance: int
    ) -> tuple[IntArray, IntArray, IntArray]:
        """(query, row, distance) arrays for every stored code within ``max_distance``."""
        nq = int(queries.shape[0])
        if nq == 0 or len(self) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        omp.apply()
        # FAISS binary range search keeps distances strictly below the radius.
        lims, dist, labels = self._index.range_search(
            np.ascontiguousarray(queries), max_distance + 1
        )
        qidx = np.repeat(np.arange(nq, dtype=np.int64), np.diff(lims).astype(np.int64))
        rows = labels.astype(np.int64) + self.base
        return qidx, rows, dist.astype(np.int64)
