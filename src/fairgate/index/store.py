"""The rows behind a code index: codes, entry ids and an active mask in numpy arrays.

Rows are only appended; replacing or disabling an entry clears its row's
``active`` flag. ``compact`` keeps the latest row of every entry id (if still
active) and sorts the rows by entry id, so that afterwards an id is found with
``np.searchsorted`` and no per-entry Python objects are needed (a dict of 10M
ints would cost over 1 GB). Rows appended since the last compaction ("recent")
are tracked in a small dict.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fairgate.index.hexcodes import Codes

IntArray = npt.NDArray[np.int64]
IdArray = npt.NDArray[np.int32] | npt.NDArray[np.int64]
_DICT_ENTRY_BYTES = 100  # rough cost of one dict slot plus its int objects
_I32 = np.iinfo(np.int32)


class RowStore:
    """Append-only rows with a latest-row-per-entry-id lookup."""

    def __init__(self, width: int) -> None:
        if width <= 0 or width % 8:
            raise ValueError(f"row width must be a positive multiple of 8 bytes, got {width}")
        self.width = width
        self.codes: Codes = np.zeros((0, width), dtype=np.uint8)
        self.ids: IdArray = np.zeros(0, dtype=np.int32)
        """Entry id of each row; ``int32`` while every id fits (database ids
        usually do: 40 MB saved at 10M entries), widened to ``int64`` on demand."""
        self.active: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self.n = 0
        """Rows in use."""
        self.n_sorted = 0
        """Rows ``0..n_sorted-1`` are sorted by entry id, one row per id."""
        self.n_active = 0
        self._recent: dict[int, int] = {}

    @property
    def nbytes(self) -> int:
        arrays = self.codes.nbytes + self.ids.nbytes + self.active.nbytes
        return int(arrays + len(self._recent) * _DICT_ENTRY_BYTES)

    @property
    def dead(self) -> int:
        """Rows that no longer match (replaced or disabled) but still take space."""
        return self.n - self.n_active

    def words(self, stop: int | None = None) -> npt.NDArray[np.uint64]:
        """Rows ``0..stop-1`` (default: all) as ``uint64`` words."""
        end = self.n if stop is None else stop
        return self.codes[:end].view(np.uint64)

    def locate(self, entry_ids: IntArray) -> IntArray:
        """The latest row of each entry id, or -1 for ids never added."""
        rows = np.full(entry_ids.size, -1, dtype=np.int64)
        if self.n_sorted:
            sorted_ids = self.ids[: self.n_sorted]
            wanted = np.arange(entry_ids.size)
            keys = entry_ids
            if sorted_ids.dtype == np.int32:
                # Compare as int32 (searchsorted would otherwise copy the ids to int64).
                fits = (entry_ids >= _I32.min) & (entry_ids <= _I32.max)
                wanted = wanted[fits]
                keys = entry_ids[fits]
            pos = np.minimum(
                np.searchsorted(sorted_ids, keys.astype(sorted_ids.dtype)), self.n_sorted - 1
            )
            found = sorted_ids[pos] == keys
            rows[wanted[found]] = pos[found]
        if self._recent:
            get = self._recent.get
            for i, eid in enumerate(entry_ids.tolist()):
                row = get(eid)
                if row is not None:
                    rows[i] = row
        return rows

    def deactivate(self, rows: IntArray) -> int:
        """Clear the active flag of these rows (-1 ignored); returns how many changed."""
        rows = np.unique(rows[rows >= 0])
        rows = rows[self.active[rows]]
        self.active[rows] = False
        self.n_active -= int(rows.size)
        return int(rows.size)

    def append(self, entry_ids: IntArray, codes: Codes) -> int:
        """Append active rows without looking for earlier rows of the same ids.

        The store is inconsistent (an id may have several active rows) until
        ``compact`` runs; use this only right before compacting. Returns the
        first new row.
        """
        start = self.n
        count = int(entry_ids.size)
        if count and self.ids.dtype == np.int32 and not _fits_int32(entry_ids):
            self.ids = self.ids.astype(np.int64)
        self._reserve(start + count)
        self.codes[start : start + count] = codes
        self.ids[start : start + count] = entry_ids
        self.active[start : start + count] = True
        self.n += count
        self.n_active += count
        return start

    def add(self, entry_ids: IntArray, codes: Codes) -> int:
        """Append rows, replacing any earlier row of the same ids (last one wins).

        Costs one dict operation per row: meant for live additions, not bulk loads.
        Returns the first new row.
        """
        previous = self.locate(entry_ids) if self.n_sorted else None
        start = self.append(entry_ids, codes)
        recent = self._recent
        active = self.active
        replaced = 0
        for i, eid in enumerate(entry_ids.tolist()):
            old = recent.get(eid, -1 if previous is None else int(previous[i]))
            if old >= 0 and active[old]:
                active[old] = False
                replaced += 1
            recent[eid] = start + i
        self.n_active -= replaced
        return start

    def live_rows(self) -> IntArray:
        """Rows that match, one per entry id, in entry-id order."""
        ids = self.ids[: self.n]
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        last = np.ones(order.size, dtype=np.bool_)
        last[:-1] = sorted_ids[:-1] != sorted_ids[1:]
        rows = order[last]
        return rows[self.active[rows]].astype(np.int64)

    def compact(self, headroom: int) -> None:
        """Drop dead rows, keep the latest row per id, sort by id; leave room for
        ``headroom`` more rows without reallocating."""
        rows = self.live_rows()
        count = int(rows.size)
        codes = np.zeros((count + headroom, self.width), dtype=np.uint8)
        codes[:count] = self.codes[rows]
        ids = np.zeros(count + headroom, dtype=self.ids.dtype)
        ids[:count] = self.ids[rows]
        active = np.zeros(count + headroom, dtype=np.bool_)
        active[:count] = True
        del rows
        self.codes, self.ids, self.active = codes, ids, active
        self.n = self.n_sorted = self.n_active = count
        self._recent = {}

    def _reserve(self, needed: int) -> None:
        capacity = self.ids.size
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity + capacity // 2, 1024)
        codes = np.zeros((new_capacity, self.width), dtype=np.uint8)
        codes[: self.n] = self.codes[: self.n]
        ids = np.zeros(new_capacity, dtype=self.ids.dtype)
        ids[: self.n] = self.ids[: self.n]
        active = np.zeros(new_capacity, dtype=np.bool_)
        active[: self.n] = self.active[: self.n]
        self.codes, self.ids, self.active = codes, ids, active


def _fits_int32(values: IntArray) -> bool:
    return int(values.min()) >= _I32.min and int(values.max()) <= _I32.max
