"""fairgate's exceptions as HTTP answers with a reason (never a 500 for bad input)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from fairgate.errors import (
    Conflict,
    FairgateError,
    Forbidden,
    InvalidInput,
    MediaError,
    NotFound,
    StoreError,
)

log = logging.getLogger("fairgate.service")


def status_for(exc: FairgateError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, MediaError):
        return 422
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, StoreError):
        return 503
    return 500


def install(app: FastAPI) -> None:
    @app.exception_handler(FairgateError)
    async def _fairgate_error(request: Request, exc: FairgateError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=status)
