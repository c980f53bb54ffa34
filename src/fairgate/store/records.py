"""Rows as the rest of the code sees them (frozen, typed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairgate.types import ListAction, ListType, MessageKind


@dataclass(frozen=True, slots=True)
class ListRecord:
    id: int
    name: str
    list_type: ListType
    action: ListAction
    severity: int
    kinds: tuple[MessageKind, ...]
    """Message kinds the list applies to (``chat``, ``search``)."""
    description: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to add: a canonical signal value (or a term) with provenance."""

    signal_type: str
    """``sha256``, ``md5``, ``pdq`` for image lists; ``term`` for text lists."""
    value: str
    note: str = ""
    source: str = ""
    """Where it came from, e.g. the file name or ``import:list.csv:12``."""


@dataclass(frozen=True, slots=True)
class EntryRecord:
    id: int
    list_id: int
    signal_type: str
    value: str
    note: str
    source: str
    added_by: str
    added_at: datetime
    disabled_at: datetime | None
    disabled_by: str | None
    disabled_reason: str | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log that live indexes replay (monotonic ``seq``)."""

    seq: int
    op: str
    """``add`` or ``disable``."""
    list_id: int
    entry_id: int
    at: datetime
