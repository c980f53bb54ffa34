"""The bytes of matched attachments, kept so a reviewer can see what was held.

fairgate otherwise stores only hashes. Here, an attachment is kept when its
message's decision has at least one reason (held, blocked or flagged), for
``console_media_retention_days``; older rows are deleted whenever a new one is
written. The console never serves the stored bytes as they are: it re-encodes
them to PNG (so a crafted file cannot become active content in the browser),
blurred and grey unless the reviewer asked to reveal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageFilter, ImageOps
from sqlalchemy import Engine, delete, insert, select

from fairgate.settings import Settings
from fairgate.store import tables as t
from fairgate.types import Decision, Message

DISPLAY_SIDE = 768
BLUR_RADIUS = 24


@dataclass(frozen=True, slots=True)
class Held:
    decision_id: str
    attachment: int
    filename: str
    content_type: str
    data: bytes
    created_at: datetime


def keep(engine: Engine, settings: Settings, message: Message, decision: Decision) -> int:
    """Store the attachments of a decision that has reasons; return how many were kept."""
    if not decision.reasons:
        return 0
    rows = [
        {
            "decision_id": decision.decision_id,
            "attachment": i,
            "filename": (a.filename or f"attachment {i}")[:255],
            "content_type": (a.content_type or "application/octet-stream")[:128],
            "data": a.data,
            "created_at": decision.created_at,
        }
        for i, a in enumerate(message.attachments)
        if a.data and len(a.data) <= settings.console_media_max_bytes
    ]
    if not rows:
        return 0
    cutoff = decision.created_at - timedelta(days=settings.console_media_retention_days)
    with engine.begin() as conn:
        conn.execute(delete(t.held_media).where(t.held_media.c.created_at < cutoff))
        conn.execute(insert(t.held_media), rows)
    return len(rows)


def held_for(engine: Engine, decision_id: str, *, since: datetime | None = None) -> list[Held]:
    """A decision's kept attachments; with ``since``, only those kept since then
    (so an image past its retention is never shown, even before it is deleted)."""
    c = t.held_media.c
    stmt = select(t.held_media).where(c.decision_id == decision_id).order_by(c.attachment)
    if since is not None:
        stmt = stmt.where(c.created_at >= since)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return [
        Held(
            str(r["decision_id"]),
            int(r["attachment"]),
            str(r["filename"]),
            str(r["content_type"]),
            bytes(r["data"]),
            r["created_at"],
        )
        for r in rows
    ]


def one(
    engine: Engine, decision_id: str, attachment: int, *, since: datetime | None = None
) -> Held | None:
    held = held_for(engine, decision_id, since=since)
    return next((h for h in held if h.attachment == attachment), None)


def retained_since(now: datetime, settings: Settings) -> datetime:
    return now - timedelta(days=settings.console_media_retention_days)


def display_png(data: bytes, *, reveal: bool) -> bytes:
    """The image as a PNG no larger than DISPLAY_SIDE; blurred and grey unless ``reveal``."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        image.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE))
        image = image.convert("RGB")
    if not reveal:
        image = ImageOps.grayscale(image).filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
