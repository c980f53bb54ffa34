"""A named position in the audit log with a lease (``service_cursors``).

Only the lease holder consumes: :func:`acquire` takes the lease when it is free,
already ours, or expired (its holder died), and every advance is a
compare-and-set on ``holder`` and ``position``, so a holder that lost its lease
cannot move the cursor (or add deliveries) behind the new holder's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from fairgate.store import tables as t


@dataclass(frozen=True, slots=True)
class CursorState:
    name: str
    position: int
    holder: str | None
    lease_until: datetime | None


def acquire(conn: Connection, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
    """Take or renew the lease on ``name`` (creating the cursor at 0 if new)."""
    _ensure(conn, name)
    c = t.service_cursors.c
    result = conn.execute(
        update(t.service_cursors)
        .where(c.name == name)
        .where(
            or_(
                c.holder.is_(None),
                c.holder == holder,
                c.lease_until.is_(None),
                c.lease_until < now,
            )
        )
        .values(holder=holder, lease_until=until)
    )
    return bool(result.rowcount)


def lock_position(conn: Connection, name: str, *, holder: str, now: datetime) -> int | None:
    """The position, row-locked for this transaction, if ``holder`` holds a live
    lease; None otherwise (the lease was lost)."""
    c = t.service_cursors.c
    result = conn.execute(
        update(t.service_cursors)
        .where(c.name == name)
        .where(c.holder == holder)
        .where(c.lease_until >= now)
        .values(holder=holder)
    )
    if not result.rowcount:
        return None
    return int(conn.execute(select(c.position).where(c.name == name)).scalar_one())


def advance(conn: Connection, name: str, *, holder: str, old: int, new: int) -> bool:
    c = t.service_cursors.c
    result = conn.execute(
        update(t.service_cursors)
        .where(c.name == name)
        .where(c.holder == holder)
        .where(c.position == old)
        .values(position=new)
    )
    return bool(result.rowcount)


def release(conn: Connection, name: str, *, holder: str) -> None:
    c = t.service_cursors.c
    conn.execute(
        update(t.service_cursors)
        .where(c.name == name)
        .where(c.holder == holder)
        .values(holder=None, lease_until=None)
    )


def state(conn: Connection, name: str) -> CursorState | None:
    c = t.service_cursors.c
    row = conn.execute(select(t.service_cursors).where(c.name == name)).mappings().first()
    if row is None:
        return None
    return CursorState(
        name=name,
        position=int(row["position"]),
        holder=row["holder"],
        lease_until=row["lease_until"],
    )


def _ensure(conn: Connection, name: str) -> None:
    c = t.service_cursors.c
    if conn.execute(select(c.name).where(c.name == name)).first() is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(
                insert(t.service_cursors),
                {"name": name, "position": 0, "holder": None, "lease_until": None},
            )
    except IntegrityError:
        pass  # another process created it first
