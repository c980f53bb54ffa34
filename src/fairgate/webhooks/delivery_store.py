"""Webhook deliveries in the database, inside the caller's transaction.

A row is one audit event for one endpoint (unique on ``endpoint_id, event_seq``).
Each attempt is claimed with a compare-and-set on ``attempts`` before it is
sent, so two dispatchers can never send the same attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from fairgate.store import tables as t
from fairgate.webhooks.records import DELIVERED, FAILED, PENDING, Delivery

MAX_ERROR_CHARS = 500


def enqueue(
    conn: Connection,
    *,
    endpoint_id: int,
    event_seq: int,
    event_type: str,
    body: Callable[[int], str],
    at: datetime,
) -> int:
    """A pending delivery due now; ``body`` builds the JSON from the new row's id."""
    c = t.webhook_deliveries.c
    row = {
        "endpoint_id": endpoint_id,
        "event_seq": event_seq,
        "event_type": event_type,
        "body": "",
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }
    delivery_id = int(conn.execute(insert(t.webhook_deliveries).returning(c.id), row).scalar_one())
    conn.execute(
        update(t.webhook_deliveries).where(c.id == delivery_id).values(body=body(delivery_id))
    )
    return delivery_id


def due(conn: Connection, *, now: datetime, limit: int) -> list[Delivery]:
    """Pending deliveries whose next attempt is due, to active endpoints, oldest first."""
    c, e = t.webhook_deliveries.c, t.webhook_endpoints.c
    stmt = (
        select(t.webhook_deliveries)
        .join(t.webhook_endpoints, e.id == c.endpoint_id)
        .where(c.status == PENDING)
        .where(c.next_attempt_at <= now)
        .where(e.disabled_at.is_(None))
        .order_by(c.id)
        .limit(limit)
    )
    return [_delivery(row) for row in conn.execute(stmt).mappings()]


def claim(
    conn: Connection, delivery_id: int, *, attempts: int, at: datetime, retry_at: datetime
) -> bool:
    """Count one more attempt if nobody else has since ``attempts`` was read.
    ``retry_at`` stands until the outcome is recorded (a dispatcher that dies
    mid-send leaves the delivery due again then)."""
    c = t.webhook_deliveries.c
    result = conn.execute(
        update(t.webhook_deliveries)
        .where(c.id == delivery_id)
        .where(c.status == PENDING)
        .where(c.attempts == attempts)
        .values(attempts=attempts + 1, last_attempt_at=at, next_attempt_at=retry_at)
    )
    return bool(result.rowcount)


def record(
    conn: Connection,
    delivery_id: int,
    *,
    status: str,
    next_attempt_at: datetime | None,
    status_code: int | None,
    error: str | None,
) -> None:
    c = t.webhook_deliveries.c
    conn.execute(
        update(t.webhook_deliveries)
        .where(c.id == delivery_id)
        .values(
            status=status,
            next_attempt_at=next_attempt_at,
            last_status_code=status_code,
            last_error=error[:MAX_ERROR_CHARS] if error else None,
        )
    )


def cancel_pending(conn: Connection, endpoint_id: int, *, at: datetime) -> int:
    """Mark an endpoint's pending deliveries failed (it was disabled)."""
    c = t.webhook_deliveries.c
    result = conn.execute(
        update(t.webhook_deliveries)
        .where(c.endpoint_id == endpoint_id)
        .where(c.status == PENDING)
        .values(status=FAILED, next_attempt_at=None, last_error="endpoint disabled")
    )
    return int(result.rowcount)


def get(conn: Connection, delivery_id: int) -> Delivery | None:
    c = t.webhook_deliveries.c
    row = conn.execute(select(t.webhook_deliveries).where(c.id == delivery_id)).mappings().first()
    return _delivery(row) if row is not None else None


def listing(
    conn: Connection,
    *,
    status: str | None = None,
    endpoint_id: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """Deliveries, newest first."""
    c = t.webhook_deliveries.c
    stmt = select(t.webhook_deliveries).order_by(c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(c.status == status)
    if endpoint_id is not None:
        stmt = stmt.where(c.endpoint_id == endpoint_id)
    return [_delivery(row) for row in conn.execute(stmt).mappings()]


def counts(conn: Connection) -> dict[str, int]:
    """Deliveries by status."""
    c = t.webhook_deliveries.c
    rows = conn.execute(select(c.status, func.count()).group_by(c.status)).all()
    found = {str(status): int(n) for status, n in rows}
    return {status: found.get(status, 0) for status in (PENDING, DELIVERED, FAILED)}


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        endpoint_id=int(row["endpoint_id"]),
        event_seq=int(row["event_seq"]),
        event_type=str(row["event_type"]),
        body=str(row["body"]),
        status=str(row["status"]),
        attempts=int(row["attempts"]),
        next_attempt_at=row["next_attempt_at"],
        last_attempt_at=row["last_attempt_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=row["created_at"],
    )
