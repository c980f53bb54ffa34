"""Who is calling: an API key in ``Authorization: Bearer`` (or ``X-API-Key``),
its role, and the per-key rate limit. Every route declares the roles it admits
with ``Depends(allow(...))``; ``admin`` is admitted wherever ``reviewer`` is."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.service.keys import Caller, Role
from fairgate.service.state import ServiceState


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.fairgate
    return state


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key else None


def allow(*roles: Role) -> Callable[[Request], Awaitable[Caller]]:
    admitted = set(roles)
    if Role.REVIEWER in admitted:
        admitted.add(Role.ADMIN)

    async def dependency(request: Request) -> Caller:
        # async, so a request costs no thread hop when the key is cached; a key
        # that needs the database is looked up in the thread pool.
        state = state_of(request)
        key = _key_from(request)
        if key is None:
            raise HTTPException(
                401,
                "an API key is required (Authorization: Bearer KEY)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        known, caller = state.keys.cached(key)
        if not known:
            caller = await run_in_threadpool(state.keys.verify, key)
        if caller is None:
            raise HTTPException(
                401, "the API key is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
            )
        if caller.role not in admitted:
            names = ", ".join(sorted(r.value for r in admitted))
            raise HTTPException(
                403, f"this endpoint needs the role {names}; the key is {caller.role.value}"
            )
        wait = await state.limiter.admit(caller.key_id)
        if wait > 0:
            raise HTTPException(
                429,
                f"rate limit of {state.limiter.rate:g} requests/s for this key "
                f"{state.limiter.scope} exceeded; retry in {wait:.2f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        request.state.caller = caller
        return caller

    dependency.__name__ = "allow_" + "_".join(sorted(r.value for r in admitted))
    return dependency


PLATFORM = allow(Role.PLATFORM)
REVIEWER = allow(Role.REVIEWER)
PLATFORM_OR_REVIEWER = allow(Role.PLATFORM, Role.REVIEWER)
ADMIN = allow(Role.ADMIN)

PlatformCaller = Annotated[Caller, Depends(PLATFORM)]
ReviewerCaller = Annotated[Caller, Depends(REVIEWER)]
PlatformOrReviewerCaller = Annotated[Caller, Depends(PLATFORM_OR_REVIEWER)]
AdminCaller = Annotated[Caller, Depends(ADMIN)]
