"""The bytes of matched attachments, kept so a reviewer can see what was held.

fairgate otherwise stores only hashes. An attachment is kept with its
decision when the decision has at least one reason (``store/held_media.py``),
for ``console_media_retention_days``; ``fairgate retention purge`` deletes
older rows and none is shown past it. The console never serves the stored
bytes as they are: it re-encodes them to PNG (so a crafted file cannot become
active content in the browser), blurred and grey unless the reviewer asked to
reveal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageFilter, ImageOps
from sqlalchemy import Engine, select

from fairgate.enforcement import audit_events
from fairgate.settings import Settings
from fairgate.store import SqlStore, held_media
from fairgate.store import tables as t

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


def purge(store: SqlStore, settings: Settings, now: datetime) -> int:
    """Delete kept attachments older than ``console_media_retention_days`` (audited)."""
    cutoff = retained_since(now, settings)
    with store.transaction() as conn:
        count = held_media.purge_before(conn, cutoff)
        if count:
            audit_events.retention_purged(
                conn, subject="held_media", deleted=count, before=cutoff, at=now
            )
    return count


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
