"""Narrow, per-area storage protocols. A backend implements each it supports;
nothing depends on one giant interface."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from fairgate.store.records import Change, EntryRecord, ListRecord, NewEntry
from fairgate.types import Decision, ListAction, ListType, MessageKind


@runtime_checkable
class ListStore(Protocol):
    def create_list(
        self,
        name: str,
        list_type: ListType,
        *,
        action: ListAction = ListAction.BLOCK,
        severity: int = 1,
        kinds: Sequence[MessageKind] = ("chat", "search"),
        description: str = "",
        created_by: str = "cli",
    ) -> ListRecord:
        """Create a list; ``Conflict`` if the name is taken, ``InvalidInput`` if bad."""
        ...

    def get_list(self, name: str) -> ListRecord:
        """The list called ``name``; ``NotFound`` if there is none."""
        ...

    def get_list_by_id(self, list_id: int) -> ListRecord: ...

    def all_lists(self) -> list[ListRecord]: ...

    def add_entries(self, list_id: int, entries: Sequence[NewEntry], *, added_by: str) -> list[int]:
        """Add entries in one transaction (all or nothing); returns their ids in order.
        Writes one ``add`` change per entry."""
        ...

    def disable_entry(
        self, list_id: int, entry_id: int, *, by: str, reason: str = ""
    ) -> EntryRecord:
        """Disable (never delete) an entry; ``NotFound`` if it is not in that list.
        Writes one ``disable`` change. Disabling twice is a no-op returning the record."""
        ...

    def get_entry(self, entry_id: int) -> EntryRecord: ...

    def get_entries(self, entry_ids: Sequence[int]) -> dict[int, EntryRecord]:
        """The entries with these ids (unknown ids are left out), in one query
        per few hundred ids."""
        ...

    def entries(
        self,
        list_id: int | None = None,
        *,
        active_only: bool = True,
        signal_type: str | None = None,
    ) -> Iterator[EntryRecord]:
        """Entries ordered by id (of one list and/or one signal type), streamed
        (lists can hold millions)."""
        ...

    def count_entries(self, list_id: int) -> int:
        """How many active entries the list has."""
        ...

    def entry_ids_with_value(
        self, signal_type: str, value: str, *, list_id: int | None = None
    ) -> list[int]:
        """Ids of the active entries holding exactly ``value`` (in one list, or
        any), found through the value digest (values of any size)."""
        ...

    def active_values(self, signal_type: str) -> Iterator[tuple[int, str]]:
        """(entry id, value) of every active entry of one signal type, ordered
        by id and streamed: what an index loads at start."""
        ...

    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        """Changes with ``seq`` greater than the given one, ascending."""
        ...

    def last_change_seq(self) -> int:
        """The highest change ``seq`` (0 when none): a cheap "anything new?" probe."""
        ...


@runtime_checkable
class DecisionStore(Protocol):
    def save_decision(self, decision: Decision) -> None:
        """Store the decision (its JSON form) and its signals for later retro-scans."""
        ...

    def get_decision(self, decision_id: str) -> dict[str, Any]:
        """The stored JSON form; ``NotFound`` if unknown."""
        ...
