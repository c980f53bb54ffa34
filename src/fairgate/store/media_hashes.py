"""Hashes of screened attachments kept for retro-scans (``decision_signals``):
streamed for a scan, purged after the retention period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select

from fairgate.store import tables as t

PAGE = 5_000


def stored_since(
    engine: Engine, signal_type: str, since: datetime
) -> Iterator[list[tuple[int, str, str, str]]]:
    """Pages of (row id, decision id, sender, value) of one signal type, for
    decisions made at or after ``since``, by row id."""
    s, d = t.decision_signals.c, t.decisions.c
    after = 0
    while True:
        stmt = (
            select(s.id, s.decision_id, d.sender, s.value)
            .join(t.decisions, d.decision_id == s.decision_id)
            .where(s.signal_type == signal_type)
            .where(s.id > after)
            .where(d.created_at >= since)
            .order_by(s.id)
            .limit(PAGE)
        )
        with engine.connect() as conn, conn.begin():
            rows = [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(stmt)]
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def purge_before(conn: Connection, cutoff: datetime) -> int:
    """Delete the stored hashes of decisions made before ``cutoff``; returns how many."""
    s, d = t.decision_signals.c, t.decisions.c
    old = select(d.decision_id).where(d.created_at < cutoff).scalar_subquery()
    result = conn.execute(delete(t.decision_signals).where(s.decision_id.in_(old)))
    return int(result.rowcount or 0)
