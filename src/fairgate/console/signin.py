"""Sign-in and sign-out."""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fairgate.console import signin_log, users
from fairgate.console.web import (
    ANYONE,
    PREFIX,
    REVIEWER,
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    PostedDep,
    Refused,
    page,
    state,
)

router = APIRouter()
log = logging.getLogger("fairgate.console")


def _next(value: str | None) -> str:
    if value and value.startswith(PREFIX + "/") and not value.startswith("//"):
        return value
    return PREFIX + "/queue"


def _signin_page(request: Request, next_path: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "signin.html",
        None,
        {"signin_token": token, "next": next_path, "signin_error": error},
        status=status,
        title="Sign in",
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=PREFIX,
        max_age=3600,
    )
    return response


@router.get("/signin", response_class=HTMLResponse, **ANYONE)
async def signin_form(request: Request, next: str | None = None) -> Response:
    return _signin_page(request, _next(next))


@router.post("/signin", **ANYONE)
async def signin(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=users.MAX_PASSWORD)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        raise Refused("the sign-in form's CSRF token is missing or wrong; reload the page")
    st = state(request)
    engine = st.engine
    now = engine.clock()
    until = await run_in_threadpool(
        lambda: signin_log.locked_until(engine.store, name, now=now, settings=st.settings)
    )
    if until is not None:  # the password is not even checked
        log.warning("console sign-in for %r refused: locked after repeated failures", name)
        wait = max(1, math.ceil((until - now).total_seconds() / 60))
        message = f"Too many wrong sign-ins for this name: try again in {wait} minute(s)."
        response = _signin_page(request, _next(next), message, status=429)
        response.headers["Retry-After"] = str(wait * 60)
        return response
    user = await run_in_threadpool(users.authenticate, engine.store.engine, name, password)
    await run_in_threadpool(
        lambda: signin_log.record(engine.store, name, ok=user is not None, now=now)
    )
    if user is None:
        log.info("console sign-in refused for %r", name)
        return _signin_page(request, _next(next), "Wrong name or password.", status=401)
    token, _ = await run_in_threadpool(
        lambda: users.open_session(
            engine.store.engine,
            user,
            now=now,
            hours=st.settings.console_session_hours,
        )
    )
    response = RedirectResponse(_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=PREFIX,
        max_age=int(st.settings.console_session_hours * 3600),
    )
    response.delete_cookie(SIGNIN_COOKIE, path=PREFIX)
    return response


@router.post("/signout", **REVIEWER)
async def signout(request: Request, p: PostedDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    await run_in_threadpool(users.close_session, state(request).engine.store.engine, token)
    response = RedirectResponse(f"{PREFIX}/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
