"""Decisions and appeals filed on them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.enforcement.views import decision_record
from fairgate.service.auth import PlatformCaller, PlatformOrReviewerCaller, ReviewerCaller, state_of
from fairgate.service.schemas import AppealDecisionIn, AppealIn, RowId

router = APIRouter(prefix="/v1", tags=["decisions and appeals"])


@router.get("/decisions/{decision_id}", summary="A stored decision, with its appeal and reviews")
async def get_decision(
    decision_id: str, request: Request, caller: PlatformOrReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    return await run_in_threadpool(decision_record, engine, decision_id)


@router.post(
    "/decisions/{decision_id}/appeal",
    status_code=201,
    summary="File the sender's appeal (once per decision)",
)
async def file_appeal(
    decision_id: str, body: AppealIn, request: Request, caller: PlatformCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    appeal = await run_in_threadpool(
        lambda: engine.appeals.file(
            decision_id, body.statement, account_id=body.account_id, filed_by=caller.actor
        )
    )
    return appeal.to_dict()


@router.get("/appeals", summary="Appeals, oldest first")
async def list_appeals(
    request: Request,
    caller: ReviewerCaller,
    status: str | None = None,
    account_id: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    engine = state_of(request).engine
    appeals = await run_in_threadpool(
        lambda: engine.appeals.list(status=status, account_id=account_id, limit=limit)
    )
    return [a.to_dict() for a in appeals]


@router.get("/appeals/{appeal_id}", summary="One appeal")
async def get_appeal(
    appeal_id: RowId, request: Request, caller: PlatformOrReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    return (await run_in_threadpool(engine.appeals.get, appeal_id)).to_dict()


@router.post("/appeals/{appeal_id}/decision", summary="A person's answer to an appeal")
async def decide_appeal(
    appeal_id: RowId, body: AppealDecisionIn, request: Request, caller: ReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    result = await run_in_threadpool(
        lambda: engine.appeals.decide(
            appeal_id,
            body.outcome,
            reason=body.reason,
            by=caller.actor,
            disable_entries=body.disable_entries,
        )
    )
    return result.to_dict()
