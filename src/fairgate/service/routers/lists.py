"""Lists and their entries: create, add (JSON or upload), browse, disable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from fairgate.errors import InvalidInput
from fairgate.lists.service import AddResult
from fairgate.render import added_dict, list_dict, split_hash
from fairgate.service import messages
from fairgate.service.auth import ReviewerCaller, state_of
from fairgate.service.schemas import DisableIn, EntriesIn, ListIn, RowId
from fairgate.store.browse import entries_page
from fairgate.types import ListAction, ListType

router = APIRouter(prefix="/v1/lists", tags=["lists"])


def _added(result: AddResult) -> dict[str, Any]:
    """The same shape as ``fairgate lists add --json``."""
    return {
        "added": [added_dict(a) for a in result.added],
        "notes": [n.to_dict() for n in result.notes],
    }


@router.get("", summary="Every list with its active entry count")
async def all_lists(request: Request, caller: ReviewerCaller) -> list[dict[str, Any]]:
    engine = state_of(request).engine

    def rows() -> list[dict[str, Any]]:
        return [
            {**list_dict(lst), "active_entries": engine.store.count_entries(lst.id)}
            for lst in engine.store.all_lists()
        ]

    return await run_in_threadpool(rows)


@router.post("", status_code=201, summary="Create a list")
async def create_list(body: ListIn, request: Request, caller: ReviewerCaller) -> dict[str, Any]:
    engine = state_of(request).engine
    lst = await run_in_threadpool(
        lambda: engine.lists.create(
            body.name,
            ListType(body.type),
            action=ListAction(body.action),
            severity=body.severity,
            kinds=body.kinds,
            description=body.description,
            by=caller.actor,
        )
    )
    return list_dict(lst)


@router.get("/{name}", summary="One list")
async def get_list(name: str, request: Request, caller: ReviewerCaller) -> dict[str, Any]:
    engine = state_of(request).engine
    lst = await run_in_threadpool(engine.store.get_list, name)
    count = await run_in_threadpool(engine.store.count_entries, lst.id)
    return {**list_dict(lst), "active_entries": count}


@router.get("/{name}/entries", summary="Browse entries (paged by id)")
async def browse(
    name: str,
    request: Request,
    caller: ReviewerCaller,
    after: int = Query(default=0, ge=0, le=2**62),
    limit: int = Query(default=100, ge=1, le=1000),
    active: bool = False,
    q: str | None = Query(default=None, max_length=200),
) -> dict[str, Any]:
    """Entries with id greater than ``after``; pass the last ``entry_id`` of a
    page as ``after`` for the next. ``q`` searches values, notes and adders."""
    engine = state_of(request).engine

    def page() -> dict[str, Any]:
        lst = engine.store.get_list(name)
        with engine.store.read() as conn:
            rows = entries_page(
                conn, lst.id, after_id=after, limit=limit, active_only=active, contains=q
            )
        return {
            "list": name,
            "entries": [e.to_dict() for e in rows],
            "next_after": rows[-1].id if len(rows) == limit else None,
        }

    return await run_in_threadpool(page)


@router.post("/{name}/entries", status_code=201, summary="Add entries (JSON)")
async def add_entries(
    name: str, body: EntriesIn, request: Request, caller: ReviewerCaller
) -> dict[str, Any]:
    state = state_of(request)
    uploads = [
        (
            messages.decode_attachment(i, f, state.settings.max_file_bytes).data,
            f.filename or f"file {i}",
        )
        for i, f in enumerate(body.files)
    ]
    hashes = [split_hash(h) for h in body.hashes]
    result = await run_in_threadpool(
        lambda: state.engine.lists.add_many(
            name,
            uploads=uploads,
            hashes=hashes,
            terms=body.terms,
            allow_terms=body.allow_terms,
            regexes=body.regexes,
            by=caller.actor,
            note=body.note,
        )
    )
    return _added(result)


@router.post(
    "/{name}/upload",
    status_code=201,
    summary="Add image files (multipart, field 'files')",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                            "note": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def upload(name: str, request: Request, caller: ReviewerCaller) -> dict[str, Any]:
    state = state_of(request)
    form = await request.form(max_files=64, max_fields=4)
    uploads: list[tuple[bytes, str]] = []
    note = ""
    for key, value in form.multi_items():
        if isinstance(value, str):
            if key != "note":
                raise InvalidInput(f"unknown form field {key!r}")
            note = value[:2000]
            continue
        data = await value.read(state.settings.max_file_bytes + 1)
        if len(data) > state.settings.max_file_bytes:
            raise InvalidInput(
                f"{value.filename}: larger than {state.settings.max_file_bytes} bytes"
            )
        uploads.append((data, value.filename or f"file {len(uploads)}"))
    result = await run_in_threadpool(
        lambda: state.engine.lists.add_many(name, uploads=uploads, by=caller.actor, note=note)
    )
    return _added(result)


@router.post("/{name}/entries/{entry_id}/disable", summary="Disable an entry (kept for the record)")
async def disable(
    name: str, entry_id: RowId, body: DisableIn, request: Request, caller: ReviewerCaller
) -> dict[str, Any]:
    engine = state_of(request).engine

    def run() -> dict[str, Any]:
        lst = engine.store.get_list(name)
        return engine.store.disable_entry(
            lst.id, entry_id, by=caller.actor, reason=body.reason
        ).to_dict()

    return await run_in_threadpool(run)
