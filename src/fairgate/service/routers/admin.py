"""Admin: API keys and the policy in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.service.auth import AdminCaller, state_of
from fairgate.service.schemas import KeyIn

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/keys", summary="API keys (never the keys themselves)")
async def list_keys(request: Request, caller: AdminCaller) -> list[dict[str, Any]]:
    keys = state_of(request).keys
    return [k.to_dict() for k in await run_in_threadpool(keys.list)]


@router.post("/keys", status_code=201, summary="Create a key (shown once)")
async def create_key(body: KeyIn, request: Request, caller: AdminCaller) -> dict[str, Any]:
    keys = state_of(request).keys
    new = await run_in_threadpool(
        lambda: keys.create(name=body.name, role=body.role, by=caller.actor)
    )
    return {**new.record.to_dict(), "key": new.key}


@router.post("/keys/{prefix}/revoke", summary="Revoke a key")
async def revoke_key(prefix: str, request: Request, caller: AdminCaller) -> dict[str, Any]:
    keys = state_of(request).keys
    await run_in_threadpool(keys.revoke, prefix)
    return {"revoked": prefix}


@router.get("/policy", summary="The policy in force")
async def policy(request: Request, caller: AdminCaller) -> dict[str, Any]:
    engine = state_of(request).engine
    return engine.policy.model_dump(mode="json")
