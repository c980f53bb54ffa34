"""The bytes of matched attachments, kept with their decision so a reviewer can
see what was held (``console/media.py`` shows them).

fairgate otherwise stores only hashes. An attachment is kept when its
message's decision has at least one reason (held, blocked or flagged), in the
decision's own transaction (so it exists exactly when the decision does),
and deleted by ``fairgate retention purge`` after ``console_media_retention_days``
(the console never shows an older one, even before it is deleted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete

from fairgate.store import deferred_rows
from fairgate.store import tables as t
from fairgate.types import Attachment, Decision


def rows_for(
    attachments: Sequence[Attachment], decision: Decision, *, max_bytes: int
) -> list[dict[str, Any]]:
    """The rows to keep for a decision: none unless it has a reason; only
    attachments sent with their bytes, at most ``max_bytes`` each."""
    if not decision.reasons:
        return []
    return [
        {
            "decision_id": decision.decision_id,
            "attachment": i,
            "filename": (a.filename or f"attachment {i}")[:255],
            "content_type": (a.content_type or "application/octet-stream")[:128],
            "data": a.data,
            "created_at": decision.created_at,
        }
        for i, a in enumerate(attachments)
        if a.data and len(a.data) <= max_bytes
    ]


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert inside the caller's transaction (after the decision's row)."""
    deferred_rows.insert_rows(conn, t.held_media, rows)


def purge_before(conn: Connection, cutoff: datetime) -> int:
    result = conn.execute(delete(t.held_media).where(t.held_media.c.created_at < cutoff))
    return int(result.rowcount or 0)
