"""The transparency report as JSON (the CLI also writes Markdown, CSV, charts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.report.collect import collect
from fairgate.report.period import resolve_period
from fairgate.service.auth import ReviewerCaller, state_of

router = APIRouter(prefix="/v1", tags=["transparency"])


@router.get("/reports", summary="The transparency report for a period")
async def report(
    request: Request,
    caller: ReviewerCaller,
    since: str | None = Query(default=None, max_length=64, description="ISO date or time (UTC)"),
    until: str | None = Query(default=None, max_length=64, description="ISO date or time (UTC)"),
) -> dict[str, Any]:
    state = state_of(request)
    now = datetime.now(UTC)
    period = resolve_period(since, until, now=now, default_days=state.settings.report_period_days)
    policy = state.engine.policy
    data = await run_in_threadpool(
        lambda: collect(
            state.engine.store.engine,
            period,
            generated_at=now,
            rules=[r.id for r in policy.rules],
            levels=[lv.name for lv in policy.enforcement.levels],
        )
    )
    return data.to_dict()
