"""Liveness, readiness (indexes loaded, feed lag) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from fairgate.service.auth import state_of

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Indexes loaded and the change feed current")
async def readyz(request: Request) -> JSONResponse:
    state = state_of(request)
    feed = state.feed.status()
    body: dict[str, Any] = {
        "ready": state.ready,
        "feed": feed.to_dict(),
        "policy": {
            "path": str(state.policy.path) if state.policy.path else None,
            "reload_error": state.policy.last_error,
        },
        "indexes": {name: state.engine.indexes.size(name) for name in state.engine.signal_types},
    }
    return JSONResponse(body, status_code=200 if state.ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    state = state_of(request)

    def refresh() -> None:
        status = state.feed.status()
        state.metrics.feed_lag.set(status.lag)
        state.metrics.feed_connected.set(1 if status.connected else 0)
        for name in state.engine.signal_types:
            state.metrics.index_entries.labels(name).set(state.engine.indexes.size(name))
        state.metrics.write_transactions.set(state.engine.store.group.batches)
        state.metrics.write_calls.set(state.engine.store.group.works)

    return Response(state.metrics.render(refresh), media_type=CONTENT_TYPE_LATEST)
