"""Audit events for due-process facts: one function per kind, so every writer
records the same shape."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from fairgate.audit import EventKind
from fairgate.enforcement.facts import RestrictionFact, StrikeFact
from fairgate.store import audit_log
from fairgate.store.records import AppealRecord, ReviewItem


def strike_added(conn: Connection, strike: StrikeFact, *, actor: str) -> None:
    audit_log.append(
        conn,
        kind=EventKind.STRIKE_ADD,
        subject=f"account:{strike.account_id}",
        actor=actor,
        payload=strike.to_dict(),
        at=strike.at,
    )


def strike_removed(
    conn: Connection, strike: StrikeFact, *, actor: str, reason: str, at: datetime
) -> None:
    audit_log.append(
        conn,
        kind=EventKind.STRIKE_REMOVE,
        subject=f"account:{strike.account_id}",
        actor=actor,
        payload={"strike_id": strike.id, "decision_id": strike.decision_id, "reason": reason},
        at=at,
    )


def restriction_started(conn: Connection, restriction: RestrictionFact, *, actor: str) -> None:
    audit_log.append(
        conn,
        kind=EventKind.RESTRICTION_START,
        subject=f"account:{restriction.account_id}",
        actor=actor,
        payload=restriction.to_dict(),
        at=restriction.starts_at,
    )


def restriction_lifted(
    conn: Connection, restriction: RestrictionFact, *, actor: str, reason: str, at: datetime
) -> None:
    audit_log.append(
        conn,
        kind=EventKind.RESTRICTION_LIFT,
        subject=f"account:{restriction.account_id}",
        actor=actor,
        payload={"restriction_id": restriction.id, "level": restriction.level, "reason": reason},
        at=at,
    )


def review_opened(conn: Connection, item: ReviewItem, *, actor: str) -> None:
    audit_log.append(
        conn,
        kind=EventKind.REVIEW_OPEN,
        subject=f"decision:{item.decision_id}",
        actor=actor,
        payload=item.to_dict(),
        at=item.created_at,
    )


def review_event(
    conn: Connection, kind: str, item: ReviewItem, *, actor: str, at: datetime, **extra: object
) -> None:
    audit_log.append(
        conn,
        kind=kind,
        subject=f"decision:{item.decision_id}",
        actor=actor,
        payload={"item_id": item.id, "kind": item.kind, **extra},
        at=at,
    )


def appeal_event(
    conn: Connection, kind: str, appeal: AppealRecord, *, actor: str, at: datetime
) -> None:
    audit_log.append(
        conn,
        kind=kind,
        subject=f"decision:{appeal.decision_id}",
        actor=actor,
        payload=appeal.to_dict(),
        at=at,
    )


def retention_purged(
    conn: Connection, *, subject: str, deleted: int, before: datetime, at: datetime
) -> None:
    """Rows past their retention were deleted (``subject``: which table's)."""
    audit_log.append(
        conn,
        kind=EventKind.RETENTION_PURGE,
        subject=subject,
        actor="fairgate",
        payload={"deleted": deleted, "before": before.isoformat()},
        at=at,
    )
