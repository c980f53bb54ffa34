"""From the audit log to deliveries: one step reads the events after the cursor
and writes one delivery per (subscribed endpoint, event) in the same
transaction that moves the cursor past them.

Audit ``seq`` values become visible in commit order (their writers hold the
audit lock until commit), so "every event after the cursor, up to the head read
first" never skips one that commits late. The cursor and the deliveries commit
together: a crash before commit redoes the step, a crash after it never does,
and the unique (endpoint, event) index refuses a second copy regardless.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from fairgate.audit import AuditEvent
from fairgate.store import audit_log
from fairgate.store import tables as t
from fairgate.webhooks import cursor, delivery_store, endpoint_store
from fairgate.webhooks.events import TYPE_OF_KIND
from fairgate.webhooks.records import Endpoint


class LeaseLost(Exception):
    """Another dispatcher holds the cursor now; this step was rolled back."""


@dataclass(frozen=True, slots=True)
class Step:
    start: int
    end: int
    events: int
    deliveries: int


def body(delivery_id: int, event_type: str, event: AuditEvent) -> str:
    """The JSON a receiver gets (the signature covers these exact bytes). ``data``
    is the audit payload, plus ``account_id`` from an ``account:`` subject when
    the payload lacks it (restriction events)."""
    data = event.payload
    if event.subject.startswith("account:") and "account_id" not in data:
        data["account_id"] = event.subject.removeprefix("account:")
    document: dict[str, Any] = {
        "id": delivery_id,
        "type": event_type,
        "created_at": event.at.isoformat(),
        "audit_seq": event.seq,
        "audit_kind": event.kind,
        "subject": event.subject,
        "data": data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def step(conn: Connection, name: str, *, holder: str, now: datetime, batch: int) -> Step:
    """Enqueue deliveries for up to ``batch`` mapped events after the cursor and
    advance it; ``LeaseLost`` (nothing written) if ``holder`` no longer holds it."""
    position = cursor.lock_position(conn, name, holder=holder, now=now)
    if position is None:
        raise LeaseLost(name)
    a = t.audit_events.c
    head = int(conn.execute(select(func.max(a.seq))).scalar() or 0)
    endpoints = endpoint_store.listing(conn)
    starts = endpoint_store.start_seqs(conn, (e.id for e in endpoints))
    listening = [e for e in endpoints if e.id in starts]
    # Events up to the oldest registration go to nobody: skip them unread.
    floor = min(starts[e.id] for e in listening) if listening else head
    after = max(position, floor)
    rows = (
        conn.execute(
            select(t.audit_events)
            .where(a.seq > after)
            .where(a.seq <= head)
            .where(a.kind.in_(sorted(TYPE_OF_KIND)))
            .order_by(a.seq)
            .limit(batch)
        )
        .mappings()
        .all()
    )
    events = [audit_log.event_from_row(row) for row in rows]
    end = events[-1].seq if len(events) == batch else head
    end = max(end, position)
    created = sum(_enqueue(conn, event, listening, starts, now) for event in events)
    if end != position and not cursor.advance(conn, name, holder=holder, old=position, new=end):
        raise LeaseLost(name)
    return Step(start=position, end=end, events=len(events), deliveries=created)


def _enqueue(
    conn: Connection,
    event: AuditEvent,
    endpoints: Sequence[Endpoint],
    starts: dict[int, int],
    now: datetime,
) -> int:
    event_type = TYPE_OF_KIND[event.kind]
    created = 0
    for endpoint in endpoints:
        if event_type not in endpoint.events or event.seq <= starts[endpoint.id]:
            continue
        delivery_store.enqueue(
            conn,
            endpoint_id=endpoint.id,
            event_seq=event.seq,
            event_type=event_type,
            body=lambda delivery_id: body(delivery_id, event_type, event),
            at=now,
        )
        created += 1
    return created
