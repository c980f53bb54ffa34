"""Webhook endpoints in the database, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, RowMapping, insert, select, update

from fairgate.store import tables as t
from fairgate.webhooks.events import WEBHOOK_ADD
from fairgate.webhooks.records import Endpoint


def subject(endpoint_id: int) -> str:
    """The audit subject of an endpoint's own events."""
    return f"webhook:{endpoint_id}"


def insert_endpoint(
    conn: Connection,
    *,
    url: str,
    events: Sequence[str],
    secret: str,
    at: datetime,
    by: str,
) -> Endpoint:
    row = {
        "url": url,
        "events": ",".join(events),
        "secret": secret,
        "created_at": at,
        "created_by": by,
        "disabled_at": None,
    }
    c = t.webhook_endpoints.c
    endpoint_id = conn.execute(insert(t.webhook_endpoints).returning(c.id), row).scalar_one()
    endpoint = get(conn, int(endpoint_id))
    if endpoint is None:  # pragma: no cover - inserted in this transaction
        raise RuntimeError("webhook endpoint vanished after insert")
    return endpoint


def get(conn: Connection, endpoint_id: int) -> Endpoint | None:
    c = t.webhook_endpoints.c
    row = conn.execute(select(t.webhook_endpoints).where(c.id == endpoint_id)).mappings().first()
    return _endpoint(row) if row is not None else None


def listing(conn: Connection, *, include_disabled: bool = False) -> list[Endpoint]:
    c = t.webhook_endpoints.c
    stmt = select(t.webhook_endpoints).order_by(c.id)
    if not include_disabled:
        stmt = stmt.where(c.disabled_at.is_(None))
    return [_endpoint(row) for row in conn.execute(stmt).mappings()]


def disable(conn: Connection, endpoint_id: int, *, at: datetime) -> bool:
    """Disable an active endpoint; False if it was already disabled."""
    c = t.webhook_endpoints.c
    result = conn.execute(
        update(t.webhook_endpoints)
        .where(c.id == endpoint_id)
        .where(c.disabled_at.is_(None))
        .values(disabled_at=at)
    )
    return bool(result.rowcount)


def start_seqs(conn: Connection, endpoint_ids: Iterable[int]) -> dict[int, int]:
    """The audit ``seq`` of each endpoint's registration event: it hears only
    events after it. An endpoint without one (inserted by hand) is absent."""
    ids = list(endpoint_ids)
    if not ids:
        return {}
    a = t.audit_events.c
    stmt = (
        select(a.subject, a.seq)
        .where(a.subject.in_([subject(i) for i in ids]))
        .where(a.kind == WEBHOOK_ADD)
    )
    found = {str(s): int(seq) for s, seq in conn.execute(stmt)}
    return {i: found[subject(i)] for i in ids if subject(i) in found}


def _endpoint(row: RowMapping) -> Endpoint:
    return Endpoint(
        id=int(row["id"]),
        url=str(row["url"]),
        events=tuple(e for e in str(row["events"]).split(",") if e),
        secret=str(row["secret"]),
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
        disabled_at=row["disabled_at"],
    )
