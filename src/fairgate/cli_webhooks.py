"""``fairgate webhooks``: register endpoints, inspect deliveries, run the dispatcher."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated, Any

import typer

from fairgate.cli_support import ByOpt, DbOpt, JsonOpt, emit, out, settings_for
from fairgate.errors import InvalidInput
from fairgate.settings import Settings
from fairgate.store import SqlStore, open_store

webhooks_app = typer.Typer(
    help="Signed deliveries of decisions, restrictions, appeals and list changes.",
    no_args_is_help=True,
)


@contextmanager
def _store(db: str | None) -> Iterator[tuple[SqlStore, Settings]]:
    settings = settings_for(db)
    with open_store(settings.database_url) as store:
        yield store, settings


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out.print(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST deliveries (http or https).")],
    events: Annotated[
        str,
        typer.Option(
            "--events",
            help="Comma-separated: decision.made, restriction.started, restriction.lifted, "
            "appeal.decided, list.changed.",
        ),
    ],
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register an endpoint; prints its signing secret (shown only this once)."""
    from fairgate.webhooks.endpoints import Endpoints

    with _store(db) as (store, settings):
        endpoint = Endpoints(store, allowed_hosts=settings.webhook_allowed_hosts).register(
            url, events, by=by
        )
    data = endpoint.to_dict(with_secret=True)
    emit(
        data,
        as_json,
        lambda: out.print(
            f"webhook {endpoint.id} -> {endpoint.url} ({', '.join(endpoint.events)})\n"
            f"secret (shown once, keep it to verify signatures): {endpoint.secret}",
            markup=False,
            highlight=False,
        ),
    )


@webhooks_app.command("list")
def webhooks_list(
    include_disabled: Annotated[
        bool, typer.Option("--all", help="Also endpoints that were removed.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Registered endpoints (secrets are never shown again)."""
    from fairgate.webhooks.endpoints import Endpoints

    with _store(db) as (store, _):
        rows = [e.to_dict() for e in Endpoints(store).list(include_disabled=include_disabled)]
    emit(
        rows,
        as_json,
        lambda: _table(rows, ("endpoint_id", "url", "events", "created_at", "disabled_at")),
    )


@webhooks_app.command("remove")
def webhooks_remove(
    endpoint_id: Annotated[int, typer.Argument(help="The endpoint's id.")],
    by: ByOpt = "cli",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Disable an endpoint: nothing more is sent to it; its pending deliveries fail."""
    from fairgate.webhooks.endpoints import Endpoints

    with _store(db) as (store, _):
        endpoint = Endpoints(store).disable(endpoint_id, by=by)
    data = endpoint.to_dict()
    emit(data, as_json, lambda: out.print(f"webhook {endpoint.id} disabled", markup=False))


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    status: Annotated[
        str | None, typer.Option("--status", help="pending, delivered or failed")
    ] = None,
    endpoint: Annotated[
        int | None, typer.Option("--endpoint", help="Only this endpoint's deliveries.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many rows.")] = 100,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliveries, newest first, with attempts, last status code and error."""
    from fairgate.webhooks import delivery_store
    from fairgate.webhooks.records import STATUSES
    from fairgate.webhooks.tx import read

    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown delivery status {status!r}: choose from {', '.join(STATUSES)}")
    with _store(db) as (store, _), read(store.engine) as conn:
        rows = [
            d.to_dict()
            for d in delivery_store.listing(conn, status=status, endpoint_id=endpoint, limit=limit)
        ]
    emit(
        rows,
        as_json,
        lambda: _table(
            rows,
            (
                "delivery_id",
                "endpoint_id",
                "type",
                "audit_seq",
                "status",
                "attempts",
                "last_status_code",
                "last_error",
                "next_attempt_at",
            ),
        ),
    )


@webhooks_app.command("run")
def webhooks_run(
    once: Annotated[
        bool,
        typer.Option("--once", help="One round (enqueue new events, due attempts), then exit."),
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The dispatch loop: tail the audit log and deliver (one process at a time holds
    the lease; others wait). Stops on Ctrl-C or SIGTERM."""
    from fairgate.webhooks.dispatcher import Dispatcher

    with _store(db) as (store, settings):
        dispatcher = Dispatcher(store, settings)
        try:
            if once:
                result = dispatcher.run_once()
                dispatcher.stop()
                data = result.to_dict()
                emit(data, as_json, lambda: out.print(_summary(data), markup=False))
                return
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

            def _stop(signum: int, frame: FrameType | None) -> None:
                dispatcher.request_stop()

            signal.signal(signal.SIGTERM, _stop)
            if as_json:
                sys.stdout.write(json.dumps({"running": True, "holder": dispatcher.holder}) + "\n")
                sys.stdout.flush()
            else:
                out.print(f"dispatching as {dispatcher.holder} (Ctrl-C to stop)", markup=False)
            try:
                dispatcher.run_forever()
            except KeyboardInterrupt:
                dispatcher.stop()
        finally:
            dispatcher.close()


def _summary(data: dict[str, Any]) -> str:
    if not data["leased"]:
        return "another dispatcher holds the lease; nothing done"
    return (
        f"{data['events']} events, {data['enqueued']} deliveries queued, "
        f"{data['delivered']} delivered, {data['retrying']} to retry, {data['failed']} failed "
        f"(audit position {data['position']})"
    )
