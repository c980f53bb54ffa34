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

    def to_dict(self) -> dict[str, object]:
        return {
            "entry_id": self.id,
            "list_id": self.list_id,
            "signal_type": self.signal_type,
            "value": self.value,
            "note": self.note,
            "source": self.source,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat(),
            "active": self.active,
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "disabled_by": self.disabled_by,
            "disabled_reason": self.disabled_reason,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the change log that live indexes replay (monotonic ``seq``)."""

    seq: int
    op: str
    """``add`` or ``disable``."""
    list_id: int
    entry_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AppealRecord:
    id: int
    decision_id: str
    account_id: str
    statement: str
    filed_at: datetime
    filed_by: str
    status: str
    """``pending``, ``upheld`` or ``overturned``."""
    decided_at: datetime | None
    decided_by: str | None
    outcome_reason: str | None
    disabled_entries: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "appeal_id": self.id,
            "decision_id": self.decision_id,
            "account_id": self.account_id,
            "statement": self.statement,
            "filed_at": self.filed_at.isoformat(),
            "filed_by": self.filed_by,
            "status": self.status,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "outcome_reason": self.outcome_reason,
            "disabled_entries": list(self.disabled_entries),
            "seconds_to_decision": (
                (self.decided_at - self.filed_at).total_seconds() if self.decided_at else None
            ),
        }


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    kind: str
    """``hold`` (a held message), ``retro`` (an earlier message matching a new
    list entry) or ``appeal``."""
    decision_id: str
    account_id: str
    list_id: int | None
    entry_id: int | None
    appeal_id: int | None
    rule: str | None
    created_at: datetime
    status: str
    """``open`` or ``closed``."""
    claimed_by: str | None
    claimed_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    outcome: str | None
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "item_id": self.id,
            "kind": self.kind,
            "decision_id": self.decision_id,
            "account_id": self.account_id,
            "list_id": self.list_id,
            "entry_id": self.entry_id,
            "appeal_id": self.appeal_id,
            "rule": self.rule,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "claimed_by": self.claimed_by,
            "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "outcome": self.outcome,
            "reason": self.reason,
        }
