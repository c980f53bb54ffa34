"""The index protocol: a set of (entry id, value) pairs that answers
"which entries match this value, at what distance"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: int
    distance: int


@runtime_checkable
class SignalIndex(Protocol):
    """Implementations are safe to query from many threads while another thread
    adds or disables entries (the engine holds no lock of its own around a query;
    the contract tests check it)."""

    def add(self, entries: Sequence[tuple[int, str]]) -> None:
        """Add (entry_id, canonical value) pairs; re-adding an id replaces it."""
        ...

    def extend(self, entries: Iterable[tuple[int, str]]) -> None:
        """Bulk-load a stream of (entry_id, value) pairs (e.g. every active entry
        at start), parsing in chunks and building the search structure once."""
        ...

    def disable(self, entry_ids: Iterable[int]) -> None:
        """Stop matching these entries (unknown ids are ignored)."""
        ...

    def query(self, values: Sequence[str]) -> list[list[Hit]]:
        """For each value, the active entries within the index's match distance."""
        ...

    def __len__(self) -> int:
        """Number of active entries."""
        ...
