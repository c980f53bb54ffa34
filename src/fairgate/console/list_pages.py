"""Lists: browse and search entries, disable one with a reason, import a file."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from fairgate.console.web import REVIEWER, PostedDep, SessionDep, back, missing, page, state
from fairgate.errors import FairgateError, InvalidInput, NotFound
from fairgate.store.browse import entries_page

router = APIRouter()


@router.get("/lists", **REVIEWER)
def all_lists(request: Request, s: SessionDep) -> Response:
    engine = state(request).engine
    rows = [(lst, engine.store.count_entries(lst.id)) for lst in engine.store.all_lists()]
    return page(request, "lists.html", s, {"lists": rows}, title="Lists")


@router.get("/lists/{name}", **REVIEWER)
def one_list(
    name: str,
    request: Request,
    s: SessionDep,
    q: str = "",
    after: int = 0,
    active: int = 0,
) -> Response:
    st = state(request)
    engine = st.engine
    try:
        lst = engine.store.get_list(name[:64])
    except NotFound as exc:
        return missing(request, s, str(exc))
    size = st.settings.console_page_size
    with engine.store.read() as conn:
        rows = entries_page(
            conn,
            lst.id,
            after_id=max(0, after),
            limit=size,
            active_only=bool(active),
            contains=q[:200] or None,
        )
    context = {
        "lst": lst,
        "entries": rows,
        "q": q[:200],
        "active": bool(active),
        "after": after,
        "next_after": rows[-1].id if len(rows) == size else None,
        "active_count": engine.store.count_entries(lst.id),
    }
    return page(request, "list.html", s, context, title=f"List {name}")


@router.post("/lists/{name}/entries/{entry_id}/disable", **REVIEWER)
def disable(name: str, entry_id: int, request: Request, p: PostedDep) -> Response:
    engine = state(request).engine
    reason = p.text("reason")
    try:
        if not reason:
            raise InvalidInput("a reason is required to disable an entry")
        lst = engine.store.get_list(name[:64])
        engine.store.disable_entry(lst.id, entry_id, by=p.session.user.actor, reason=reason)
    except FairgateError as exc:
        return back(f"/lists/{name}", error=str(exc))
    return back(f"/lists/{name}", note=f"Entry {entry_id} disabled.")


@router.post("/lists/{name}/import", **REVIEWER)
async def import_file(name: str, request: Request, p: PostedDep) -> Response:
    """Import a hash list file (one ``pdq`` hex or md5 per line, or CSV). The
    page shows upload progress (plain JS), then the import's report."""
    st = state(request)
    upload = p.form.get("file")
    if not isinstance(upload, UploadFile):
        return back(f"/lists/{name}", error="choose a file to import")
    data = await upload.read(st.settings.max_file_bytes + 1)
    if len(data) > st.settings.max_file_bytes:
        return back(f"/lists/{name}", error="the file is too large")
    filename = upload.filename or "upload"

    def run() -> str:
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")
        report = st.engine.lists.import_lines(
            name[:64], lines, by=p.session.user.actor, source=f"import:{filename}"
        )
        rejected = len(report.rejected)
        first = f" (first: line {report.rejected[0].line})" if rejected else ""
        return (
            f"Imported {filename}: {report.lines_read} lines read, {report.added} added, "
            f"{report.duplicates} duplicates, {rejected} rejected{first}."
        )

    try:
        message = await run_in_threadpool(run)
    except FairgateError as exc:
        return back(f"/lists/{name}", error=str(exc))
    return back(f"/lists/{name}", note=message)
