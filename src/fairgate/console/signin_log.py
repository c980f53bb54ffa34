"""Console sign-ins in the audit log, and the lock that stops guessing.

Every sign-in attempt — right or wrong, for a known name or not — is an audit
event (``console.signin`` / ``console.signin_fail``, subject ``console-user:NAME``,
never the password). The same events are the throttle, shared by every worker
because they are in the database: after ``console_signin_max_failures`` wrong
attempts in a row for one name within ``console_signin_lock_minutes``, that
name is refused (HTTP 429) without its password being checked, until the
window after the oldest of them has passed. A right sign-in ends the run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from fairgate.audit import EventKind
from fairgate.settings import Settings
from fairgate.store import SqlStore, audit_log
from fairgate.store import tables as t


def subject(name: str) -> str:
    return f"console-user:{name[:64]}"


def record(store: SqlStore, name: str, *, ok: bool, now: datetime) -> None:
    with store.transaction() as conn:
        audit_log.append(
            conn,
            kind=EventKind.CONSOLE_SIGNIN if ok else EventKind.CONSOLE_SIGNIN_FAIL,
            subject=subject(name),
            actor=f"console:{name[:64]}",
            payload={"name": name[:64], "ok": ok},
            at=now,
        )


def locked_until(
    store: SqlStore, name: str, *, now: datetime, settings: Settings
) -> datetime | None:
    """When ``name`` may try again, or None if it may now."""
    most = settings.console_signin_max_failures
    window = timedelta(minutes=settings.console_signin_lock_minutes)
    c = t.audit_events.c
    stmt = (
        select(c.kind, c.at)
        .where(c.subject == subject(name))
        .where(c.kind.in_((EventKind.CONSOLE_SIGNIN, EventKind.CONSOLE_SIGNIN_FAIL)))
        .where(c.at > now - window)
        .order_by(c.seq.desc())
        .limit(most)
    )
    with store.read() as conn:
        recent = conn.execute(stmt).all()
    if len(recent) < most or any(kind != EventKind.CONSOLE_SIGNIN_FAIL for kind, _ in recent):
        return None
    until: datetime = recent[-1][1] + window
    return until
