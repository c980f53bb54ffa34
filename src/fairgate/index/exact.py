"""``ExactIndex``: exact file hashes (sha256, md5, ...) as hex strings.

An exact match is a Hamming match at radius 0, so each hash length gets a
``HammingIndex(max_distance=0, kind="mih")``: with radius 0 the planner picks
a single direct-address table over about ``log2(n)`` bits, so a lookup is one
bucket probe plus a full-code comparison, and memory stays at numpy-array cost
(about 50 bytes per sha256 entry instead of 150+ for Python dicts of strings).
Several entry ids may share one value; all of them are returned.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from fairgate.errors import InvalidSignalValue
from fairgate.index.base import Hit
from fairgate.index.hamming import HammingIndex
from fairgate.index.hexcodes import Codes, chunks, parse_hex

IntArray = npt.NDArray[np.int64]

DEFAULT_LENGTHS = (32, 40, 64, 128)
"""Hex lengths of md5, sha1, sha256 and sha512."""


class ExactIndex:
    """Entries (id, hex digest); ``query`` returns the entries with exactly that digest."""

    def __init__(self, lengths: Collection[int] = DEFAULT_LENGTHS) -> None:
        bad = [n for n in lengths if n <= 0 or n % 2]
        if not lengths or bad:
            raise ValueError(f"hex lengths must be positive and even, got {sorted(lengths)}")
        self.lengths = frozenset(lengths)
        self._tables: dict[int, HammingIndex] = {}
        self._lock = threading.RLock()

    def add(self, entries: Sequence[tuple[int, str]]) -> None:
        """Add (entry_id, hex digest) pairs; re-adding an id replaces its value."""
        self._apply(self._parse(entries))

    def extend(self, entries: Iterable[tuple[int, str]]) -> None:
        """Bulk-load a stream: parse it in chunks, then add each length's table once."""
        parts: dict[int, list[tuple[IntArray, Codes]]] = {}
        for batch in chunks(entries):
            for length, ids, codes in self._parse(batch):
                parts.setdefault(length, []).append((ids, codes))
        self._apply(
            [
                (
                    length,
                    np.concatenate([p[0] for p in group]),
                    np.concatenate([p[1] for p in group]),
                )
                for length, group in parts.items()
            ]
        )

    def _parse(self, entries: Sequence[tuple[int, str]]) -> list[tuple[int, IntArray, Codes]]:
        """Validate everything (before anything changes), grouped by digest length."""
        groups: dict[int, tuple[list[int], list[str]]] = {}
        for i, (entry_id, value) in enumerate(entries):
            ids, values = groups.setdefault(self._length_of(value, i), ([], []))
            ids.append(entry_id)
            values.append(value)
        return [
            (length, np.asarray(ids, dtype=np.int64), parse_hex(values, length))
            for length, (ids, values) in groups.items()
        ]

    def _apply(self, parsed: Sequence[tuple[int, IntArray, Codes]]) -> None:
        with self._lock:
            for length, ids_arr, codes in parsed:
                for other, table in self._tables.items():
                    if other != length:
                        table.disable(ids_arr.tolist())
                self._table(length).add_codes(ids_arr, codes)

    def disable(self, entry_ids: Iterable[int]) -> None:
        """Stop matching these entries (unknown ids are ignored)."""
        ids = list(entry_ids)
        with self._lock:
            for table in self._tables.values():
                table.disable(ids)

    def query(self, values: Sequence[str]) -> list[list[Hit]]:
        """For each digest, every active entry with that digest (distance 0)."""
        out: list[list[Hit]] = [[] for _ in values]
        positions: dict[int, list[int]] = {}
        for i, value in enumerate(values):
            positions.setdefault(self._length_of(value, i), []).append(i)
        with self._lock:
            for length, where in positions.items():
                codes = parse_hex([values[i] for i in where], length)
                table = self._tables.get(length)
                if table is None:
                    continue
                hits = table.query_codes(codes)
                for i, found in zip(where, hits, strict=True):
                    out[i] = found
        return out

    def __len__(self) -> int:
        with self._lock:
            return sum(len(table) for table in self._tables.values())

    def memory_bytes(self) -> int:
        with self._lock:
            return sum(table.memory_bytes() for table in self._tables.values())

    def _table(self, length: int) -> HammingIndex:
        table = self._tables.get(length)
        if table is None:
            table = HammingIndex(bits=length * 4, max_distance=0, kind="mih")
            self._tables[length] = table
        return table

    def _length_of(self, value: object, position: int) -> int:
        if not isinstance(value, str):
            raise InvalidSignalValue(
                f"value #{position}: expected a hex string, got {type(value).__name__}"
            )
        if len(value) not in self.lengths:
            shown = value if len(value) <= 80 else value[:80] + "..."
            allowed = ", ".join(str(n) for n in sorted(self.lengths))
            raise InvalidSignalValue(
                f"value #{position} {shown!r}: expected {allowed} hex characters, got {len(value)}"
            )
        return len(value)
