"""What is stored about an account, as plain values: strikes and restrictions.

An account's standing is never stored as a mutable "status"; it is computed
from these facts and the clock (:mod:`fairgate.enforcement.standing`), so a
restriction lifts itself when its end passes and a strike stops counting when
it expires, with no job to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class StrikeFact:
    id: int
    account_id: str
    decision_id: str
    rule: str
    points: int
    at: datetime
    expires_at: datetime
    removed_at: datetime | None = None
    removed_by: str | None = None
    removed_reason: str | None = None

    def counts_at(self, now: datetime) -> bool:
        return self.removed_at is None and self.at <= now < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "decision_id": self.decision_id,
            "rule": self.rule,
            "points": self.points,
            "at": self.at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "removed_at": _iso(self.removed_at),
            "removed_by": self.removed_by,
            "removed_reason": self.removed_reason,
        }


@dataclass(frozen=True, slots=True)
class RestrictionFact:
    id: int
    account_id: str
    level: str
    capabilities: tuple[str, ...]
    """The capabilities taken away while the restriction is in force."""
    starts_at: datetime
    ends_at: datetime | None
    """``None``: permanent."""
    cause_decision_id: str | None
    cause: str
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lifted_reason: str | None = None

    @property
    def permanent(self) -> bool:
        return self.ends_at is None

    def in_force_at(self, now: datetime) -> bool:
        if self.lifted_at is not None and self.lifted_at <= now:
            return False
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "capabilities": list(self.capabilities),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": _iso(self.ends_at),
            "permanent": self.permanent,
            "cause_decision_id": self.cause_decision_id,
            "cause": self.cause,
            "lifted_at": _iso(self.lifted_at),
            "lifted_by": self.lifted_by,
            "lifted_reason": self.lifted_reason,
        }


@dataclass(frozen=True, slots=True)
class AccountFacts:
    account_id: str
    strikes: tuple[StrikeFact, ...] = ()
    restrictions: tuple[RestrictionFact, ...] = ()


@dataclass(frozen=True, slots=True)
class NewStrike:
    account_id: str
    decision_id: str
    rule: str
    points: int
    at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewRestriction:
    account_id: str
    level: str
    capabilities: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime | None
    cause_decision_id: str | None
    cause: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
