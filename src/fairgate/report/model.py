"""The numbers of one transparency report, as frozen values (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fairgate.report.period import Period

ACTIONS: tuple[str, ...] = ("deliver", "hold", "block")
NO_RULE = "(no rule matched)"
"""The rule row of decisions whose message matched nothing."""


@dataclass(frozen=True, slots=True)
class Count:
    """One labelled count."""

    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count}


@dataclass(frozen=True, slots=True)
class ActionRow:
    """Decisions under one label (a rule or a detection method), split by action."""

    label: str
    deliver: int = 0
    hold: int = 0
    block: int = 0

    @property
    def total(self) -> int:
        return self.deliver + self.hold + self.block

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "deliver": self.deliver,
            "hold": self.hold,
            "block": self.block,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class DecisionStats:
    """Screening decisions created in the period (all automated)."""

    total: int
    by_action: tuple[Count, ...]
    by_method: tuple[ActionRow, ...]
    by_rule: tuple[ActionRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "automated": self.total,
            "by_action": [c.to_dict() for c in self.by_action],
            "by_method": [r.to_dict() for r in self.by_method],
            "by_rule": [r.to_dict() for r in self.by_rule],
        }


@dataclass(frozen=True, slots=True)
class AppealStats:
    """Appeals filed in the period (with where they stood at its end), and appeals
    decided in the period (whenever they were filed) with the time they took."""

    filed: int
    filed_upheld: int
    filed_overturned: int
    filed_open: int
    decided_upheld: int
    decided_overturned: int
    median_seconds_to_decision: float | None
    open_at_end: int

    @property
    def decided(self) -> int:
        return self.decided_upheld + self.decided_overturned

    def to_dict(self) -> dict[str, Any]:
        return {
            "filed": self.filed,
            "filed_upheld": self.filed_upheld,
            "filed_overturned": self.filed_overturned,
            "filed_open": self.filed_open,
            "decided": self.decided,
            "decided_upheld": self.decided_upheld,
            "decided_overturned": self.decided_overturned,
            "median_seconds_to_decision": self.median_seconds_to_decision,
            "open_at_end": self.open_at_end,
        }


@dataclass(frozen=True, slots=True)
class RestrictionRow:
    """Restrictions that started in the period at one ladder level."""

    level: str
    started: int
    permanent: int
    lifted: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "started": self.started,
            "permanent": self.permanent,
            "lifted": self.lifted,
        }


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """Human review of one kind of item: queued and decided in the period, open at its end."""

    kind: str
    created: int
    outcomes: tuple[Count, ...]
    open_at_end: int

    @property
    def decided(self) -> int:
        return sum(c.count for c in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "created": self.created,
            "decided": self.decided,
            "outcomes": [c.to_dict() for c in self.outcomes],
            "open_at_end": self.open_at_end,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the transparency report publishes for one period."""

    period: Period
    generated_at: datetime
    decisions: DecisionStats
    appeals: AppealStats
    restrictions: tuple[RestrictionRow, ...]
    reviews: tuple[ReviewRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "generated_at": self.generated_at.isoformat(),
            "decisions": self.decisions.to_dict(),
            "appeals": self.appeals.to_dict(),
            "restrictions": [r.to_dict() for r in self.restrictions],
            "reviews": [r.to_dict() for r in self.reviews],
        }
