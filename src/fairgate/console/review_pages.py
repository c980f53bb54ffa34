"""The queue, one item with its evidence, and the reviewer's actions on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from fairgate.console import media
from fairgate.console.evidence import shown_reasons
from fairgate.console.web import REVIEWER, PostedDep, SessionDep, back, missing, page, state
from fairgate.enforcement.export import export_account
from fairgate.enforcement.review import OUTCOMES
from fairgate.enforcement.views import decision_record
from fairgate.engine import Engine
from fairgate.errors import FairgateError, InvalidInput, NotFound
from fairgate.types import ListType

router = APIRouter()
HISTORY = 10


def _hours(value: str | None) -> float | None:
    if not value:
        return None
    try:
        hours = float(value)
    except ValueError:
        raise InvalidInput(f"age must be a number of hours, not {value!r}") from None
    if not 0 <= hours <= 1e6:
        raise InvalidInput("age must be between 0 and 1000000 hours")
    return hours


@router.get("/queue", **REVIEWER)
def queue(
    request: Request,
    s: SessionDep,
    kind: str | None = None,
    list: str | None = None,
    rule: str | None = None,
    older_than_hours: str | None = None,
) -> Response:
    engine = state(request).engine
    filters = {
        "kind": kind or None,
        "list": list or None,
        "rule": rule or None,
        "older_than_hours": older_than_hours or "",
    }
    error = ""
    items: Any = []
    try:
        hours = _hours(older_than_hours)
        items = engine.review.queue(
            kind=filters["kind"],
            list_name=filters["list"],
            rule=filters["rule"],
            older_than=timedelta(hours=hours) if hours is not None else None,
            reviewer=s.user.actor,
            limit=state(request).settings.console_page_size,
        )
    except FairgateError as exc:
        error = str(exc)
    lists = {lst.id: lst.name for lst in engine.store.all_lists()}
    context = {
        "items": items,
        "list_names": lists,
        "rules": [r.id for r in engine.policy.rules],
        "filters": filters,
        "kinds": tuple(OUTCOMES),
        "depth": engine.review.depth(),
        "filter_error": error,
        "now": engine.clock(),
    }
    return page(request, "queue.html", s, context, title="Queue")


@router.post("/items/{item_id}/claim", **REVIEWER)
def claim(item_id: int, request: Request, p: PostedDep) -> Response:
    try:
        state(request).engine.review.claim(item_id, by=p.session.user.actor)
    except FairgateError as exc:
        return back("/queue", error=str(exc))
    return back(f"/items/{item_id}", note="Claimed: the item is yours for now.")


def _held(request: Request, decision_id: str) -> list[media.Held]:
    st = state(request)
    since = media.retained_since(st.engine.clock(), st.settings)
    return media.held_for(st.engine.store.engine, decision_id, since=since)


def _history(engine: Engine, account: str) -> dict[str, Any]:
    exported = export_account(engine, account)
    exported["decisions"] = exported["decisions"][-HISTORY:][::-1]
    return exported


@router.get("/items/{item_id}", **REVIEWER)
def item(item_id: int, request: Request, s: SessionDep) -> Response:
    engine = state(request).engine
    try:
        found = engine.review.get(item_id)
    except NotFound as exc:
        return missing(request, s, str(exc))
    record = decision_record(engine, found.decision_id)
    context = {
        "item": found,
        "decision": record,
        "reasons": shown_reasons(engine, record),
        "held": _held(request, found.decision_id),
        "history": _history(engine, found.account_id),
        "outcomes": OUTCOMES[found.kind],
        "image_lists": [lst for lst in engine.store.all_lists() if lst.list_type is ListType.IMAGE],
        "mine": found.claimed_by == s.user.actor,
    }
    return page(request, "item.html", s, context, title=f"Item {item_id}")


@router.post("/items/{item_id}/decide", **REVIEWER)
def decide(item_id: int, request: Request, p: PostedDep) -> Response:
    engine = state(request).engine
    outcome = p.text("outcome", limit=16)
    try:
        result = engine.review.decide(
            item_id,
            outcome,
            reason=p.text("reason"),
            by=p.session.user.actor,
            disable_entries=p.flag("disable_entries"),
        )
    except FairgateError as exc:
        return back(f"/items/{item_id}", error=str(exc))
    disabled = ""
    if result.item.appeal_id is not None:
        appeal = engine.appeals.get(result.item.appeal_id)
        if appeal.disabled_entries:
            ids = ", ".join(str(i) for i in appeal.disabled_entries)
            disabled = f"; entries disabled: {ids}"
    return back(f"/items/{item_id}", note=f"Decided: {outcome}{disabled}.")


@router.post("/items/{item_id}/restrict", **REVIEWER)
async def restrict(item_id: int, request: Request, p: PostedDep) -> Response:
    """Mark the item's images restricted: add them to the chosen list now (the
    list change is committed to the change log, so every worker blocks them)."""
    engine = state(request).engine
    name = p.text("list", limit=64)
    note = p.text("note") or f"marked restricted in the console (review item {item_id})"

    def run() -> str:
        found = engine.review.get(item_id)
        held = _held(request, found.decision_id)
        if not held:
            raise InvalidInput("this item has no stored image to add")
        result = engine.lists.add_many(
            name,
            uploads=[(h.data, h.filename) for h in held],
            by=p.session.user.actor,
            note=note,
        )
        ids = ", ".join(str(a.entry_id) for a in result.added) or "none (already listed)"
        return f"Added to {name}: entries {ids}."

    try:
        message = await run_in_threadpool(run)
    except FairgateError as exc:
        return back(f"/items/{item_id}", error=str(exc))
    return back(f"/items/{item_id}", note=message)


@router.get("/media/{decision_id}/{attachment}", **REVIEWER)
def image(
    decision_id: str, attachment: int, request: Request, s: SessionDep, reveal: int = 0
) -> Response:
    engine = state(request).engine
    since = media.retained_since(engine.clock(), state(request).settings)
    held = media.one(engine.store.engine, decision_id[:128], attachment, since=since)
    if held is None:
        return Response("no stored image", status_code=404, media_type="text/plain")
    try:
        png = media.display_png(held.data, reveal=bool(reveal))
    except Exception:  # a file Pillow cannot read: say so, never pass the bytes on
        return Response("the stored file is not a readable image", 422, media_type="text/plain")
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
