"""``PdqShortlist``: the listed entries whose PDQ hash is nearest a sent image's.

The expensive verifiers (local features, thumbnails) compare a sent image with
every entry of a small list; above ``verify_all_max`` entries they compare only
the entries this shortlist names: those whose (first) PDQ hash is within
``max_distance`` bits of one of the sent image's hashes, nearest first, at most
``limit``. The entries' hashes are kept in a FAISS binary flat index, rebuilt
after a change, so nominating costs one exact k-nearest search of the sent
hashes (36 of them for a photo) instead of a pass over every entry in Python:
measured with ``fairgate bench shortlist`` (docs/benchmarks.md).

Exact: an entry among the ``limit`` nearest by its distance to the nearest sent
hash is among the ``limit`` nearest of that sent hash, so the union of the
sent hashes' ``limit`` nearest holds every entry that can be chosen (entries
tied at the cut are broken by id among those FAISS returned).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt

from fairgate.index import omp


@dataclass(frozen=True, slots=True)
class Nominees:
    """The entries' hashes as of one moment: safe to search from any thread."""

    ids: npt.NDArray[np.int64]
    """Entry id of each row of ``index``."""
    index: faiss.IndexBinaryFlat

    def nearest(self, sent: Sequence[str], *, max_distance: int, limit: int) -> list[int]:
        """Entry ids within ``max_distance`` of a sent hash (hex), nearest first, then
        by id; at most ``limit``."""
        if not sent or self.index.ntotal == 0 or limit < 1:
            return []
        raw = bytes.fromhex("".join(sent))
        queries = np.frombuffer(raw, dtype=np.uint8).reshape(len(sent), 32)
        omp.apply()
        distances, rows = self.index.search(queries, min(limit, self.index.ntotal))
        best: dict[int, int] = {}
        for distance, row in zip(distances.ravel().tolist(), rows.ravel().tolist(), strict=True):
            if row < 0 or distance > max_distance:
                continue
            entry_id = int(self.ids[row])
            if distance < best.get(entry_id, max_distance + 1):
                best[entry_id] = distance
        ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))
        return [entry_id for entry_id, _ in ranked[:limit]]


class PdqShortlist:
    """Owned by one index, which calls ``invalidate`` when its entries change and
    ``current`` to search, both under its own lock; the ``Nominees`` returned are
    then searched outside it."""

    def __init__(self) -> None:
        self._current: Nominees | None = None

    def invalidate(self) -> None:
        self._current = None

    def current(self, entries: Iterable[tuple[int, Sequence[str]]]) -> Nominees:
        """The nominees, built from ``entries`` (each entry's PDQ hashes, hex; the
        first nominates it; none: never nominated) if they changed since."""
        if self._current is None:
            self._current = _build(entries)
        return self._current


def _build(entries: Iterable[tuple[int, Sequence[str]]]) -> Nominees:
    ids: list[int] = []
    hashes: list[str] = []
    for entry_id, pdq in entries:
        if pdq:
            ids.append(entry_id)
            hashes.append(pdq[0])
    index = faiss.IndexBinaryFlat(256)
    if hashes:
        index.add(np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8).reshape(-1, 32))
    return Nominees(np.asarray(ids, dtype=np.int64), index)
