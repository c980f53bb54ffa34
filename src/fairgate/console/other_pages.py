"""Accounts, the audit log, the dashboard, and (admins only) users."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from fairgate.console import charts, users
from fairgate.console.web import (
    ADMIN,
    REVIEWER,
    AdminDep,
    AdminPostedDep,
    SessionDep,
    back,
    page,
    state,
)
from fairgate.enforcement.export import export_account
from fairgate.errors import FairgateError
from fairgate.report.collect import collect
from fairgate.report.period import Period
from fairgate.store import tables as t
from fairgate.store.audit_log import events, verify_database

router = APIRouter()
MINUTES = 60


@router.get("/accounts", **REVIEWER)
def find_account(request: Request, s: SessionDep, account: str = "") -> Response:
    if account:
        # one path segment, whatever the id holds ("/", "?", "#", "..")
        return back(f"/accounts/{quote(account[:255], safe='')}")
    return page(request, "account_search.html", s, title="Accounts")


@router.get("/accounts/{account}", **REVIEWER)
def account(account: str, request: Request, s: SessionDep) -> Response:
    engine = state(request).engine
    exported = export_account(engine, account[:255])
    exported["decisions"] = exported["decisions"][::-1]
    return page(request, "account.html", s, {"account": exported}, title=f"Account {account}")


@router.get("/audit", **REVIEWER)
def audit(request: Request, s: SessionDep, after: int = 0, subject: str = "") -> Response:
    st = state(request)
    db = st.engine.store.engine
    size = st.settings.console_page_size
    rows = list(events(db, after=max(0, after), subject=subject[:255] or None, limit=size))
    context = {
        "events": rows,
        "verification": verify_database(db),
        "after": after,
        "subject": subject[:255],
        "next_after": rows[-1].seq if len(rows) == size else None,
    }
    return page(request, "audit.html", s, context, title="Audit log")


def _per_minute(request: Request) -> tuple[list[str], dict[str, dict[str, int]]]:
    engine = state(request).engine
    now = engine.clock()
    since = now - timedelta(minutes=MINUTES)
    c = t.decisions.c
    with engine.store.read() as conn:
        if conn.dialect.name == "postgresql":
            bucket = func.to_char(
                func.date_trunc("minute", func.timezone("UTC", c.created_at)), "HH24:MI"
            )
        else:
            bucket = func.strftime("%H:%M", c.created_at)
        rows = conn.execute(
            select(bucket, c.action, func.count())
            .where(c.created_at >= since)
            .group_by(bucket, c.action)
        ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for minute, action, n in rows:
        counts[str(minute)][str(action)] = int(n)
    start = since.replace(second=0, microsecond=0)
    labels = [(start + timedelta(minutes=i + 1)).strftime("%H:%M") for i in range(MINUTES)]
    return labels, counts


@router.get("/dashboard", **REVIEWER)
def dashboard(request: Request, s: SessionDep) -> Response:
    st = state(request)
    engine = st.engine
    now = engine.clock()
    report = collect(
        engine.store.engine,
        Period(now - timedelta(days=1), now + timedelta(seconds=1)),
        generated_at=now,
        rules=[r.id for r in engine.policy.rules],
    )
    minutes, counts = _per_minute(request)
    rules = sorted(report.decisions.by_rule, key=lambda r: -r.total)[:10]
    depth = engine.review.depth()
    appeals = report.appeals
    context = {
        "per_minute": charts.stacked_minutes(
            minutes, counts, title="Decisions per minute by action, last hour"
        ),
        "top_rules": charts.bars(
            [(r.label, r.total) for r in rules if r.total], title="Top rules, last 24 hours"
        ),
        "depth": charts.bars(
            [(k, depth.get(k, 0)) for k in ("hold", "retro", "appeal")], title="Queue depth"
        ),
        "appeal_outcomes": charts.bars(
            [
                ("upheld", appeals.decided_upheld),
                ("overturned", appeals.decided_overturned),
                ("open", appeals.open_at_end),
            ],
            title="Appeals decided in the last 24 hours, and open",
        ),
        "report": report,
        "feed": st.feed.status(),
    }
    return page(request, "dashboard.html", s, context, title="Dashboard")


@router.get("/users", **ADMIN)
def all_users(request: Request, s: AdminDep) -> Response:
    engine = state(request).engine
    return page(
        request, "users.html", s, {"users": users.all_users(engine.store.engine)}, title="Users"
    )


@router.post("/users", **ADMIN)
def create_user(request: Request, p: AdminPostedDep) -> Response:
    engine = state(request).engine
    name = p.text("name", limit=64)
    try:
        users.create_user(
            engine.store.engine,
            name,
            p.text("role", limit=16),
            str(p.form.get("password") or ""),
            by=p.session.user.actor,
            now=engine.clock(),
        )
    except FairgateError as exc:
        return back("/users", error=str(exc))
    return back("/users", note=f"User {name} created.")
