"""The review queue in the database, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, RowMapping, func, insert, or_, select, update

from fairgate.store import deferred_rows
from fairgate.store import tables as t
from fairgate.store.records import ReviewItem

KINDS = ("hold", "retro", "appeal")


def open_item(
    conn: Connection,
    *,
    kind: str,
    decision_id: str,
    account_id: str,
    at: datetime,
    list_id: int | None = None,
    entry_id: int | None = None,
    appeal_id: int | None = None,
    rule: str | None = None,
) -> ReviewItem:
    row = {
        "kind": kind,
        "decision_id": decision_id,
        "account_id": account_id,
        "list_id": list_id,
        "entry_id": entry_id,
        "appeal_id": appeal_id,
        "rule": rule,
        "created_at": at,
        "status": "open",
    }
    deferred_rows.flush(conn)  # the item refers to its decision's row
    item_id = conn.execute(insert(t.review_items).returning(t.review_items.c.id), row).scalar_one()
    item = get(conn, int(item_id))
    if item is None:  # pragma: no cover - inserted in this transaction
        raise RuntimeError("review item vanished after insert")
    return item


def get(conn: Connection, item_id: int) -> ReviewItem | None:
    c = t.review_items.c
    row = conn.execute(select(t.review_items).where(c.id == item_id)).mappings().first()
    return _item(row) if row is not None else None


def open_retro_exists(conn: Connection, *, decision_id: str, list_id: int) -> bool:
    """An open retro-scan item for this message and list (a later addition to
    the same list must not queue the same message again)."""
    c = t.review_items.c
    stmt = (
        select(c.id)
        .where(c.kind == "retro")
        .where(c.status == "open")
        .where(c.decision_id == decision_id)
        .where(c.list_id == list_id)
    )
    return conn.execute(stmt.limit(1)).first() is not None


def for_decision(conn: Connection, decision_id: str) -> list[ReviewItem]:
    c = t.review_items.c
    stmt = select(t.review_items).where(c.decision_id == decision_id).order_by(c.id)
    return [_item(row) for row in conn.execute(stmt).mappings()]


def for_decisions(conn: Connection, decision_ids: list[str]) -> dict[str, list[ReviewItem]]:
    """:func:`for_decision` for many decisions in one query (ids with no item are absent)."""
    c = t.review_items.c
    found: dict[str, list[ReviewItem]] = {}
    if not decision_ids:
        return found
    stmt = select(t.review_items).where(c.decision_id.in_(decision_ids)).order_by(c.id)
    for row in conn.execute(stmt).mappings():
        item = _item(row)
        found.setdefault(item.decision_id, []).append(item)
    return found


def listing(
    conn: Connection,
    *,
    status: str | None = "open",
    kind: str | None = None,
    list_id: int | None = None,
    rule: str | None = None,
    created_before: datetime | None = None,
    unclaimed_or: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewItem]:
    """Items oldest first, filtered; ``unclaimed_or`` keeps only unclaimed items
    and those claimed by that reviewer."""
    c = t.review_items.c
    stmt = select(t.review_items).order_by(c.created_at, c.id).limit(limit).offset(offset)
    if status is not None:
        stmt = stmt.where(c.status == status)
    if kind is not None:
        stmt = stmt.where(c.kind == kind)
    if list_id is not None:
        stmt = stmt.where(c.list_id == list_id)
    if rule is not None:
        stmt = stmt.where(c.rule == rule)
    if created_before is not None:
        stmt = stmt.where(c.created_at < created_before)
    if unclaimed_or is not None:
        stmt = stmt.where(or_(c.claimed_by.is_(None), c.claimed_by == unclaimed_or))
    return [_item(row) for row in conn.execute(stmt).mappings()]


def depth(conn: Connection) -> dict[str, int]:
    """Open items by kind."""
    c = t.review_items.c
    rows = conn.execute(
        select(c.kind, func.count()).where(c.status == "open").group_by(c.kind)
    ).all()
    return {str(kind): int(n) for kind, n in rows}


def claim(conn: Connection, item_id: int, *, by: str, at: datetime, stale_before: datetime) -> bool:
    """Claim an open item unless another reviewer holds a claim newer than
    ``stale_before``; True if ``by`` holds it now."""
    c = t.review_items.c
    result = conn.execute(
        update(t.review_items)
        .where(c.id == item_id)
        .where(c.status == "open")
        .where(or_(c.claimed_by.is_(None), c.claimed_by == by, c.claimed_at < stale_before))
        .values(claimed_by=by, claimed_at=at)
    )
    return bool(result.rowcount)


def close(
    conn: Connection, item_id: int, *, outcome: str, by: str, reason: str, at: datetime
) -> bool:
    """Close an open item with its outcome; False if it was already closed."""
    c = t.review_items.c
    result = conn.execute(
        update(t.review_items)
        .where(c.id == item_id)
        .where(c.status == "open")
        .values(status="closed", outcome=outcome, decided_by=by, decided_at=at, reason=reason)
    )
    return bool(result.rowcount)


def _item(row: RowMapping) -> ReviewItem:
    return ReviewItem(
        id=int(row["id"]),
        kind=row["kind"],
        decision_id=row["decision_id"],
        account_id=row["account_id"],
        list_id=row["list_id"],
        entry_id=row["entry_id"],
        appeal_id=row["appeal_id"],
        rule=row["rule"],
        created_at=row["created_at"],
        status=row["status"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        outcome=row["outcome"],
        reason=row["reason"],
    )
