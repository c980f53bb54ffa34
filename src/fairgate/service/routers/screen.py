"""``POST /v1/screen``: one message or search query, JSON or multipart.

The busiest route by far, and registered twice: as a FastAPI route (which the
OpenAPI document describes) and, in front of every other route, as a plain
Starlette route to the same function (``fast_routes``), which is what serves
it. FastAPI's nested-router matching and dependency solving cost about 0.1 ms
of CPU per call, 10-15% of a pre-hashed screen call (measured in
docs/benchmarks.md), so the endpoint takes only the request and checks its
role itself, first thing.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from fairgate.errors import InvalidInput
from fairgate.service import messages
from fairgate.service.auth import PLATFORM, state_of
from fairgate.service.schemas import ScreenIn, inline_schema

router = APIRouter(prefix="/v1", tags=["screening"])

DECISION_EXAMPLE = {
    "decision_id": "3cbb522c89f549268fc529d04e88e12f",
    "action": "block",
    "reasons": [
        {
            "rule": "spam.advertising",
            "list": "spam-terms",
            "signal": "term",
            "entry_id": 1,
            "evidence": {"span": [0, 11], "matched": "CHEAP pills", "form": "nfkc_casefold"},
        }
    ],
    "notice": {"text": "Your message was not delivered: ...", "automated": True},
    "account": {"account_id": "user-42", "strikes": 1, "capabilities": ["send", "read"]},
}

SCREEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": inline_schema(ScreenIn)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["sender"],
                    "properties": {
                        "sender": {"type": "string"},
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": ["chat", "search"]},
                        "conversation": {"type": "string"},
                        "message_id": {"type": "string"},
                        "locale": {"type": "string"},
                        "attachments": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


@router.post(
    "/screen",
    summary="Screen one message",
    openapi_extra=SCREEN_BODY,
    responses={200: {"content": {"application/json": {"example": DECISION_EXAMPLE}}}},
)
async def screen(request: Request) -> JSONResponse:
    """The Decision: action, reasons with evidence, the sender's notice, and the
    account's standing after it. JSON bodies carry attachments as base64;
    multipart bodies carry them as files named ``attachments``. Needs a
    ``platform`` key."""
    await PLATFORM(request)
    state = state_of(request)
    settings = state.settings
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=settings.max_attachments, max_fields=32)
        message = await messages.from_form(
            form, max_bytes=settings.max_file_bytes, max_attachments=settings.max_attachments
        )
    elif kind in ("application/json", ""):
        raw = await request.body()
        try:
            body = ScreenIn.model_validate_json(raw or b"{}")
        except ValidationError as exc:
            raise InvalidInput(messages.describe(exc)) from None
        message = messages.from_json(
            body, max_bytes=settings.max_file_bytes, max_attachments=settings.max_attachments
        )
    else:
        raise HTTPException(
            415, f"unsupported content type {kind!r}: send application/json or multipart/form-data"
        )
    engine = state.engine
    # Text and pre-hashed images are matched on the event loop (memory-only
    # work, well under a millisecond); images are decoded in the thread pool.
    # Every call's write then joins the next group commit without a thread.
    if engine.prepares_at_once(message):
        work = engine.prepare(message)
    else:
        work = await run_in_threadpool(engine.prepare, message)
    decision = await engine.store.group.run_async(work)
    top = decision.reasons[0].rule if decision.reasons else "none"
    state.metrics.decisions.labels(decision.action.value, top).inc()
    # The Decision's own JSON form, as it is stored; FastAPI's generic encoder
    # would walk it again for nothing.
    return JSONResponse(decision.to_dict())


class _Recorded(Route):
    """A Starlette route that records itself as the request's route, as
    Starlette's router does and FastAPI's does only for its own routes (the
    metrics label requests by it)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self
        await super().handle(scope, receive, send)


def fast_routes() -> list[BaseRoute]:
    """``POST /v1/screen`` as a plain Starlette route, for the front of the app's
    routing table (the FastAPI route above stays for the OpenAPI document)."""
    return [_Recorded("/v1/screen", screen, methods=["POST"])]
