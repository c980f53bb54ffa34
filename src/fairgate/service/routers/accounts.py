"""Account standing and data export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.enforcement.export import export_account
from fairgate.service.auth import PlatformOrReviewerCaller, state_of

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


@router.get("/{account_id}", summary="Standing now: strikes, restrictions, capabilities")
async def account(
    account_id: str, request: Request, caller: PlatformOrReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    return (await run_in_threadpool(engine.accounts.state, account_id)).to_dict()


@router.get("/{account_id}/export", summary="Everything held about the account")
async def export(
    account_id: str, request: Request, caller: PlatformOrReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine
    return await run_in_threadpool(export_account, engine, account_id)
