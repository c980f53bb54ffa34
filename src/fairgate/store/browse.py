"""Pages of a list's entries for people browsing it (keyset paging by id)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from fairgate.store import tables as t
from fairgate.store.records import EntryRecord
from fairgate.store.sql import _entry_record


def entries_page(
    conn: Connection,
    list_id: int,
    *,
    after_id: int = 0,
    limit: int = 100,
    active_only: bool = False,
    contains: str | None = None,
) -> list[EntryRecord]:
    """Entries with id > ``after_id``, by id; ``contains`` matches a part of the
    value, the note or who added it (case-insensitive)."""
    c = t.entries.c
    stmt = select(t.entries).where(c.list_id == list_id).where(c.id > after_id)
    if active_only:
        stmt = stmt.where(c.disabled_at.is_(None))
    if contains:
        pattern = "%" + contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            c.value.ilike(pattern, escape="\\")
            | c.note.ilike(pattern, escape="\\")
            | c.added_by.ilike(pattern, escape="\\")
        )
    rows = conn.execute(stmt.order_by(c.id).limit(limit)).mappings()
    return [_entry_record(row) for row in rows]
