"""What every console page shares: templates, the session, CSRF, redirects.

* The session cookie (``fg_session``: HttpOnly, SameSite=Strict, Secure over
  HTTPS) holds a random token; the server keeps its sha256 and expiry.
* Every form carries the session's CSRF token (synchronizer token); a POST
  without the right one is refused with 403. The sign-in form, which has no
  session yet, uses a double-submit cookie (``fg_signin``) instead.
* A signed-out visitor is redirected to the sign-in page; a reviewer asking
  for an admin page gets 403. API keys are not sessions: a request carrying
  only an API key is a signed-out visitor to the console.
* Every console route declares who may use it (``**ANYONE``, ``**REVIEWER`` or
  ``**ADMIN`` in its decorator), and :func:`enforce_role`, a dependency of the
  whole console router, checks that declaration before anything else runs; a
  route that declares nothing is refused to everyone (fail closed).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from fairgate.console import users
from fairgate.service.auth import state_of
from fairgate.service.state import ServiceState

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
SESSION_COOKIE = "fg_session"
SIGNIN_COOKIE = "fg_signin"
PREFIX = "/console"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


ROLE_KEY = "x-console-role"
"""The key of a console route's ``openapi_extra`` that names who may use it."""
Role = Literal["anyone", "reviewer", "admin"]
"""``anyone``: signed in or not; ``reviewer``: any signed-in user; ``admin``: admins."""


def allows(role: Role) -> dict[str, Any]:
    """Route options declaring who may use a console route (``@router.get(p, **REVIEWER)``)."""
    return {"openapi_extra": {ROLE_KEY: role}}


ANYONE = allows("anyone")
REVIEWER = allows("reviewer")
ADMIN = allows("admin")


def declared_role(route: object) -> str | None:
    """The role a route declares (None: it declares none)."""
    extra = getattr(route, "openapi_extra", None)
    role = extra.get(ROLE_KEY) if isinstance(extra, dict) else None
    return role if isinstance(role, str) else None


class SignInNeeded(Exception):
    """The visitor has no valid session: send them to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """403: the wrong role, or a form without its CSRF token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def session(request: Request) -> users.Session:
    """The visitor's console session (from the ``fg_session`` cookie only: an API key
    in the request is ignored), or :class:`SignInNeeded`."""
    known = getattr(request.state, "console_session", None)
    if isinstance(known, users.Session):
        return known
    token = request.cookies.get(SESSION_COOKIE)
    state = state_of(request)
    found = None
    if token:
        engine = state.engine
        found = await run_in_threadpool(
            users.session_for, engine.store.engine, token, now=engine.clock()
        )
    if found is None:
        if request.method not in ("GET", "HEAD"):
            # a form action cannot be returned to after signing in (a GET of it is a 405)
            raise SignInNeeded(PREFIX + "/queue")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target)
    request.state.console_session = found
    return found


async def admin(s: Annotated[users.Session, Depends(session)]) -> users.Session:
    if not s.user.is_admin:
        raise Refused("this page is for admins; you are signed in as a reviewer")
    return s


async def enforce_role(request: Request) -> None:
    """The console router's guard: the route's declared role, checked first."""
    role = declared_role(request.scope.get("route"))
    if role == "anyone":
        return
    if role not in ("reviewer", "admin"):
        raise Refused("this console page declares no role, so nobody may use it")
    s = await session(request)
    if role == "admin":
        await admin(s)


@dataclass(frozen=True, slots=True)
class Posted:
    """A form whose CSRF token was checked, and who sent it."""

    session: users.Session
    form: FormData

    def text(self, name: str, default: str = "", *, limit: int = 2000) -> str:
        value = self.form.get(name)
        return value[:limit].strip() if isinstance(value, str) else default

    def flag(self, name: str) -> bool:
        return self.form.get(name) in ("1", "on", "true", "yes")


async def posted(request: Request, s: Annotated[users.Session, Depends(session)]) -> Posted:
    form = await request.form(max_files=1, max_fields=32)
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token, s.csrf_token):
        raise Refused("the form's CSRF token is missing or wrong; reload the page and retry")
    return Posted(s, form)


async def posted_by_admin(
    p: Annotated[Posted, Depends(posted)], _: Annotated[users.Session, Depends(admin)]
) -> Posted:
    return p


SessionDep = Annotated[users.Session, Depends(session)]
AdminDep = Annotated[users.Session, Depends(admin)]
PostedDep = Annotated[Posted, Depends(posted)]
AdminPostedDep = Annotated[Posted, Depends(posted_by_admin)]


def page(
    request: Request,
    name: str,
    s: users.Session | None,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    title: str = "",
) -> HTMLResponse:
    ctx = {
        "request": request,
        "session": s,
        "user": s.user if s else None,
        "csrf": s.csrf_token if s else "",
        "note": request.query_params.get("note", "")[:500],
        "error": request.query_params.get("error", "")[:500],
        "title": title,
        "prefix": PREFIX,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers.update(HEADERS)
    return response


def missing(request: Request, s: users.Session, reason: str) -> HTMLResponse:
    """404 as a console page (an unknown item, list or account)."""
    return page(
        request,
        "refused.html",
        s,
        {"reason": reason, "heading": "Not found"},
        status=404,
        title="Not found",
    )


def back(path: str, *, note: str = "", error: str = "") -> RedirectResponse:
    """303 to a console page, with a message shown on it."""
    query = {k: v[:500] for k, v in (("note", note), ("error", error)) if v}
    target = PREFIX + path + (("&" if "?" in path else "?") + urlencode(query) if query else "")
    return RedirectResponse(target, status_code=303)


def signin_redirect(next_path: str) -> RedirectResponse:
    safe = next_path if next_path.startswith(PREFIX + "/") else PREFIX + "/queue"
    return RedirectResponse(f"{PREFIX}/signin?next={quote(safe)}", status_code=303)


def state(request: Request) -> ServiceState:
    return state_of(request)
