"""Terminal side of the CLI: reading arguments into values and printing results.

Kept apart from ``cli.py`` so the command functions stay a few lines each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from fairgate.errors import InvalidInput, MediaError
from fairgate.lists.service import Added, ImportReport
from fairgate.store.records import EntryRecord, ListRecord
from fairgate.types import MESSAGE_KINDS, Action, Attachment, Decision, Message

PROGRESS_MIN_BYTES = 1_000_000
"""Imports larger than this show a progress bar (unless --json)."""


def list_dict(lst: ListRecord) -> dict[str, Any]:
    return {
        "id": lst.id,
        "name": lst.name,
        "type": lst.list_type.value,
        "action": lst.action.value,
        "severity": lst.severity,
        "kinds": list(lst.kinds),
        "description": lst.description,
        "created_at": lst.created_at.isoformat(),
        "created_by": lst.created_by,
    }


def entry_dict(entry: EntryRecord) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "list_id": entry.list_id,
        "signal_type": entry.signal_type,
        "value": entry.value,
        "note": entry.note,
        "source": entry.source,
        "added_by": entry.added_by,
        "added_at": entry.added_at.isoformat(),
    }


def read_terms(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text") from exc
    return [t.strip() for t in text.splitlines() if t.strip() and not t.lstrip().startswith("#")]


def split_hash(spec: str) -> tuple[str, str]:
    name, sep, value = spec.partition(":")
    if not sep or not name or not value:
        raise InvalidInput(f"--hash takes TYPE:VALUE, e.g. pdq:<64 hex>; got {spec!r}")
    return name.strip().lower(), value.strip()


def added_dict(added: Added) -> dict[str, Any]:
    return {
        "entry_id": added.entry_id,
        "signal_type": added.signal_type,
        "value": added.value,
        "source": added.source,
    }


def print_added(out: Console, err: Console, data: dict[str, Any]) -> None:
    for row in data["added"]:
        out.print(
            f"{row['entry_id']}\t{row['signal_type']}\t{row['value']}\t{row['source']}",
            markup=False,
            highlight=False,
        )
    for note in data["notes"]:
        err.print(f"note: {note['source']}: {note['detail']}", markup=False, highlight=False)


def _lines(path: Path, progress: Progress | None) -> Iterator[str]:
    task = progress.add_task("importing", total=path.stat().st_size) if progress else None
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for line in handle:
                if progress is not None and task is not None:
                    progress.advance(task, len(line.encode("utf-8")))
                yield line
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def run_import(
    out: Console,
    engine_cm: AbstractContextManager[Any],
    name: str,
    file: Path,
    *,
    strict: bool,
    default_type: str | None,
    by: str,
    quiet: bool,
) -> ImportReport:
    if not file.is_file():
        raise InvalidInput(f"{file}: no such file")
    show = not quiet and file.stat().st_size >= PROGRESS_MIN_BYTES
    progress = (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=out,
            transient=True,
        )
        if show
        else None
    )
    with engine_cm as engine, progress if progress is not None else nullcontext():
        report: ImportReport = engine.lists.import_lines(
            name,
            _lines(file, progress),
            by=by,
            strict=strict,
            default_type=default_type,
            source=f"import:{file.name}",
        )
    return report


def import_dict(report: ImportReport) -> dict[str, Any]:
    return {
        "list": report.list_name,
        "lines_read": report.lines_read,
        "added": report.added,
        "duplicates": report.duplicates,
        "rejected": [
            {"line": r.line, "text": r.text[:200], "reason": r.reason} for r in report.rejected
        ],
        "written": report.written,
    }


def print_import(out: Console, err: Console, report: ImportReport) -> None:
    state = "written" if report.written else "NOT written (--strict and bad lines)"
    out.print(
        f"{report.list_name}: {report.lines_read} lines read, {report.added} added, "
        f"{report.duplicates} duplicates skipped, {len(report.rejected)} rejected; {state}",
        markup=False,
    )
    for rejected in report.rejected[:50]:
        err.print(f"line {rejected.line}: {rejected.reason}", markup=False, highlight=False)
    if len(report.rejected) > 50:
        err.print(f"... and {len(report.rejected) - 50} more rejected lines (see --json)")


def lists_rows(engine: Any) -> list[dict[str, Any]]:
    rows = []
    for lst in engine.store.all_lists():
        row = list_dict(lst)
        row["active_entries"] = engine.store.count_entries(lst.id)
        rows.append(row)
    return rows


def lists_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "name", "type", "action", "severity", "kinds", "active entries")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["type"],
            r["action"],
            str(r["severity"]),
            ",".join(r["kinds"]),
            str(r["active_entries"]),
        )
    return table


def message_from_cli(
    text: str, images: list[Path], sender: str, conversation: str | None, kind: str
) -> Message:
    if kind not in MESSAGE_KINDS:
        raise InvalidInput(f"--kind must be chat or search, got {kind!r}")
    attachments = []
    for path in images:
        try:
            attachments.append(Attachment(path.read_bytes(), filename=str(path)))
        except OSError as exc:
            raise MediaError(exc.strerror or "cannot read file", source=str(path)) from exc
    return Message(
        sender=sender,
        text=text,
        attachments=tuple(attachments),
        conversation=conversation,
        kind=kind,
    )


_STYLE = {Action.DELIVER: "green", Action.HOLD: "yellow", Action.BLOCK: "bold red"}


def print_decision(out: Console, decision: Decision) -> None:
    out.print(
        f"[{_STYLE[decision.action]}]{decision.action.value.upper()}[/] "
        f"decision {decision.decision_id}"
    )
    for reason in decision.reasons:
        if reason.match is None:
            out.print(
                f"  {reason.action.value}: rule {reason.rule}: {reason.rule_text}",
                markup=False,
                highlight=False,
            )
            continue
        ev = reason.match.evidence
        detail = (
            f"distance {ev.distance} ({ev.variant})"
            if ev.distance is not None
            else f"{ev.matched!r} ~ {ev.term!r} in form {ev.form}"
        )
        out.print(
            f"  {reason.action.value}: rule {reason.rule} list {reason.match.list_name} "
            f"entry {reason.match.entry_id} {reason.match.signal_type} {reason.match.source}: "
            f"{detail}",
            markup=False,
            highlight=False,
        )
    for note in decision.notes:
        out.print(f"  note: {note.source or ''} {note.detail}", markup=False, highlight=False)
    if decision.notice is not None:
        out.print(f"  notice: {decision.notice.text}", markup=False, highlight=False)
    account = decision.account
    if account.strikes or account.restriction:
        until = "permanent" if account.restriction_permanent else account.restricted_until
        out.print(
            f"  account {account.account_id}: {account.strike_points} strike points"
            + (f", restricted ({account.restriction}) until {until}" if account.restriction else "")
            + f"; may: {', '.join(account.capabilities)}",
            markup=False,
            highlight=False,
        )
