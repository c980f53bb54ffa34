"""``install(app)``: the console's pages at ``/console`` on the service's app."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from fairgate.console import list_pages, other_pages, review_pages, signin
from fairgate.console.web import (
    ANYONE,
    HERE,
    PREFIX,
    Refused,
    SignInNeeded,
    enforce_role,
    page,
    signin_redirect,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(enforce_role)])
"""Every console route; its declared role is checked before anything else (web.enforce_role)."""


@router.get("", **ANYONE)
@router.get("/", **ANYONE)
async def home() -> Response:
    return RedirectResponse(f"{PREFIX}/queue", status_code=303)


for module in (signin, review_pages, list_pages, other_pages):
    router.include_router(module.router)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return signin_redirect(exc.next_path)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        s = getattr(request.state, "console_session", None)
        return page(request, "refused.html", s, {"reason": exc.reason}, status=403, title="Refused")
