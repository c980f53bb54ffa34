"""Audit events in the database: appended inside the caller's transaction, so an
event exists exactly when the change it records does (see :mod:`fairgate.audit`).

The caller must hold the audit lock (``SqlStore.write(audit=True)``): SQLite
serialises writers with ``BEGIN IMMEDIATE``; PostgreSQL takes an advisory
transaction lock. Under it the next ``seq`` and the previous hash are read and
the new event is written, so the chain has no gaps and no forks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, func, select, text

from fairgate.audit import (
    GENESIS_HASH,
    AuditEvent,
    EventKind,
    Verification,
    canonical_json,
    event_hash,
    verify,
)
from fairgate.store import deferred_rows, transaction_scope
from fairgate.store import tables as t

AUDIT_LOCK_KEY = 0x66_61_69_72_67_03
"""PostgreSQL advisory lock key held by transactions that append audit events."""

PAGE = 2_000
_HEAD = (
    select(t.audit_events.c.seq, t.audit_events.c.hash)
    .order_by(t.audit_events.c.seq.desc())
    .limit(1)
)


def lock(conn: Connection) -> None:
    """Take the audit lock for the rest of the transaction (no-op on SQLite,
    whose writers already hold the database's write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def append(
    conn: Connection,
    *,
    kind: str,
    subject: str,
    actor: str,
    payload: Mapping[str, Any],
    at: datetime,
) -> AuditEvent:
    """Append one event after the current head (caller holds the audit lock)."""
    seq, prev_hash = _next(conn)
    payload_json = canonical_json(payload)
    digest = event_hash(
        seq=seq,
        at=at,
        kind=kind,
        subject=subject[:255],
        actor=actor[:255],
        payload_json=payload_json,
        prev_hash=prev_hash,
    )
    row = {
        "seq": seq,
        "at": at,
        "kind": kind,
        "subject": subject[:255],
        "actor": actor[:255],
        "payload": payload_json,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    deferred_rows.insert_rows(conn, t.audit_events, [row])  # group commit: at its end
    conn.info[_HEAD_KEY] = (transaction_scope.current(conn), seq, digest)
    return AuditEvent(seq, at, kind, subject[:255], actor[:255], payload_json, prev_hash, digest)


_HEAD_KEY = "fairgate_audit_head"


def _next(conn: Connection) -> tuple[int, str]:
    """The next event's ``seq`` and previous hash. The head this transaction
    last appended is remembered on the connection, for that transaction (and
    savepoint) only, so a transaction appending many events (a group commit of
    screen calls) reads the head once."""
    cached = conn.info.get(_HEAD_KEY)
    if cached is not None and transaction_scope.still_in(conn, cached[0]):
        return int(cached[1]) + 1, str(cached[2])
    last = conn.execute(_HEAD).first()
    return (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS_HASH)


def events(
    engine: Engine,
    *,
    after: int = 0,
    subject: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> Iterator[AuditEvent]:
    """Events in ``seq`` order, streamed page by page (each page its own read)."""
    c = t.audit_events.c
    seen = 0
    while limit is None or seen < limit:
        page = PAGE if limit is None else min(PAGE, limit - seen)
        stmt = select(t.audit_events).where(c.seq > after).order_by(c.seq).limit(page)
        if subject is not None:
            stmt = stmt.where(c.subject == subject)
        if kind is not None:
            stmt = stmt.where(c.kind == kind)
        with engine.connect() as conn, conn.begin():
            rows = conn.execute(stmt).mappings().all()
        for row in rows:
            yield event_from_row(row)
        seen += len(rows)
        if len(rows) < page:
            return
        after = int(rows[-1]["seq"])


def count(engine: Engine) -> int:
    with engine.connect() as conn, conn.begin():
        return int(conn.execute(select(func.count()).select_from(t.audit_events)).scalar_one())


def event_from_row(row: RowMapping) -> AuditEvent:
    """An ``audit_events`` row as an AuditEvent."""
    return AuditEvent(
        seq=int(row["seq"]),
        at=row["at"],
        kind=str(row["kind"]),
        subject=str(row["subject"]),
        actor=str(row["actor"]),
        payload_json=str(row["payload"]),
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )


def verify_database(engine: Engine, *, expect_head: str | None = None) -> Verification:
    """Check the chain, then that every decision event's digest still matches the
    stored decision document (so editing a decision row is caught too), and that
    no stored decision lacks its event."""
    result = verify(events(engine), expect_head=expect_head)
    if not result.ok:
        return result
    documented: set[str] = set()
    chunk: list[AuditEvent] = []
    for event in events(engine, kind=EventKind.DECISION):
        documented.add(str(event.payload.get("decision_id")))
        chunk.append(event)
        if len(chunk) == _DECISIONS_PER_QUERY:
            broken = _check_decisions(engine, chunk, result)
            if broken is not None:
                return broken
            chunk = []
    broken = _check_decisions(engine, chunk, result)
    if broken is not None:
        return broken
    d = t.decisions.c
    with engine.connect() as conn, conn.begin():
        for (decision_id,) in conn.execute(select(d.decision_id)):
            if decision_id not in documented:
                return _broken(
                    result, None, f"decision {decision_id} has no audit event (inserted afterwards)"
                )
    return result


_DECISIONS_PER_QUERY = 500


def _check_decisions(
    engine: Engine, chunk: list[AuditEvent], result: Verification
) -> Verification | None:
    """Each decision event of ``chunk`` against its stored document (one query
    for the chunk); the first that does not match, as a broken result."""
    if not chunk:
        return None
    d = t.decisions.c
    ids = [str(event.payload.get("decision_id")) for event in chunk]
    with engine.connect() as conn, conn.begin():
        rows = conn.execute(select(d.decision_id, d.payload).where(d.decision_id.in_(ids)))
        stored = {str(i): str(p) for i, p in rows}
    for event, decision_id in zip(chunk, ids, strict=True):
        if decision_id not in stored:
            return _broken(result, event.seq, f"decision {decision_id} was deleted")
        digest = hashlib.sha256(stored[decision_id].encode("utf-8")).hexdigest()
        if digest != event.payload.get("payload_sha256"):
            return _broken(
                result, event.seq, f"decision {decision_id} was edited after it was made"
            )
    return None


def _broken(result: Verification, seq: int | None, reason: str) -> Verification:
    return Verification(False, result.checked, result.head_hash, seq, reason)
