"""The review queue: held messages, retro-scan hits and appeals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.service.auth import ReviewerCaller, state_of
from fairgate.service.schemas import ReviewDecisionIn, RowId

router = APIRouter(prefix="/v1/review", tags=["review queue"])


@router.get("", summary="Open review items, oldest first")
async def queue(
    request: Request,
    caller: ReviewerCaller,
    kind: str | None = None,
    list_name: str | None = Query(default=None, alias="list"),
    rule: str | None = None,
    older_than_hours: float | None = Query(default=None, ge=0, le=1e6),
    status: str = "open",
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
) -> list[dict[str, Any]]:
    engine = state_of(request).engine
    older = timedelta(hours=older_than_hours) if older_than_hours is not None else None
    items = await run_in_threadpool(
        lambda: engine.review.queue(
            kind=kind,
            list_name=list_name,
            rule=rule,
            older_than=older,
            status=status,
            limit=limit,
            offset=offset,
            reviewer=caller.actor,
        )
    )
    return [i.to_dict() for i in items]


@router.post("/{item_id}/claim", summary="Claim an item for yourself")
async def claim(item_id: RowId, request: Request, caller: ReviewerCaller) -> dict[str, Any]:
    engine = state_of(request).engine
    return (
        await run_in_threadpool(lambda: engine.review.claim(item_id, by=caller.actor))
    ).to_dict()


@router.post("/{item_id}/decision", summary="Decide an item")
async def decide(
    item_id: RowId, body: ReviewDecisionIn, request: Request, caller: ReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    result = await run_in_threadpool(
        lambda: engine.review.decide(
            item_id,
            body.outcome,
            reason=body.reason,
            by=caller.actor,
            disable_entries=body.disable_entries,
        )
    )
    return result.to_dict()
