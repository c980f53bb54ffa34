"""Appeals in the database, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, RowMapping, insert, select, update

from fairgate.store import tables as t
from fairgate.store.records import AppealRecord

STATUSES = ("pending", "upheld", "overturned")


def insert_appeal(
    conn: Connection,
    *,
    decision_id: str,
    account_id: str,
    statement: str,
    filed_by: str,
    at: datetime,
) -> AppealRecord:
    row = {
        "decision_id": decision_id,
        "account_id": account_id,
        "statement": statement,
        "filed_at": at,
        "filed_by": filed_by,
        "status": "pending",
        "disabled_entries": "",
    }
    appeal_id = conn.execute(insert(t.appeals).returning(t.appeals.c.id), row).scalar_one()
    found = get(conn, int(appeal_id))
    if found is None:  # pragma: no cover - inserted in this transaction
        raise RuntimeError("appeal vanished after insert")
    return found


def get(conn: Connection, appeal_id: int) -> AppealRecord | None:
    row = conn.execute(select(t.appeals).where(t.appeals.c.id == appeal_id)).mappings().first()
    return _appeal(row) if row is not None else None


def for_decision(conn: Connection, decision_id: str) -> AppealRecord | None:
    c = t.appeals.c
    row = conn.execute(select(t.appeals).where(c.decision_id == decision_id)).mappings().first()
    return _appeal(row) if row is not None else None


def listing(
    conn: Connection,
    *,
    status: str | None = None,
    account_id: str | None = None,
    limit: int = 100,
    after_id: int = 0,
) -> list[AppealRecord]:
    c = t.appeals.c
    stmt = select(t.appeals).where(c.id > after_id).order_by(c.filed_at, c.id).limit(limit)
    if status is not None:
        stmt = stmt.where(c.status == status)
    if account_id is not None:
        stmt = stmt.where(c.account_id == account_id)
    return [_appeal(row) for row in conn.execute(stmt).mappings()]


def decide(
    conn: Connection,
    appeal_id: int,
    *,
    status: str,
    by: str,
    reason: str,
    at: datetime,
    disabled_entries: Sequence[int] = (),
) -> bool:
    """Record the outcome; False if the appeal was no longer pending (someone
    else decided it first)."""
    c = t.appeals.c
    result = conn.execute(
        update(t.appeals)
        .where(c.id == appeal_id)
        .where(c.status == "pending")
        .values(
            status=status,
            decided_by=by,
            decided_at=at,
            outcome_reason=reason,
            disabled_entries=",".join(str(e) for e in disabled_entries),
        )
    )
    return bool(result.rowcount)


def _appeal(row: RowMapping) -> AppealRecord:
    disabled = str(row["disabled_entries"] or "")
    return AppealRecord(
        id=int(row["id"]),
        decision_id=row["decision_id"],
        account_id=row["account_id"],
        statement=row["statement"],
        filed_at=row["filed_at"],
        filed_by=row["filed_by"],
        status=row["status"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        outcome_reason=row["outcome_reason"],
        disabled_entries=tuple(int(x) for x in disabled.split(",") if x),
    )
