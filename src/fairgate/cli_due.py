"""``fairgate accounts | appeals | review | audit | retention``: due process
from the command line (the same services the HTTP API and console call)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from fairgate.cli_support import ByOpt, DbOpt, JsonOpt, PolicyOpt, emit, engine_for, out

accounts_app = typer.Typer(help="Account standing and data export.", no_args_is_help=True)
appeals_app = typer.Typer(help="File and decide appeals.", no_args_is_help=True)
review_app = typer.Typer(
    help="The human review queue: held messages, retro-scan hits, appeals.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
retention_app = typer.Typer(
    help="Stored media hashes, kept images and their retention.", no_args_is_help=True
)

LimitOpt = Annotated[int, typer.Option(min=1, max=10_000, help="At most this many rows.")]


def _print(data: Any) -> None:
    out.print(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), markup=False, highlight=False
    )


def _rows(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    out.print(table)


# -- accounts -----------------------------------------------------------------
@accounts_app.command("show")
def accounts_show(
    account: str, policy: PolicyOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """The account's standing now: strikes, restrictions in force, capabilities."""
    with engine_for(db, policy) as engine:
        state = engine.accounts.state(account).to_dict()
    emit(state, as_json, lambda: _print(state))


@accounts_app.command("export")
def accounts_export(
    account: str,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON document here (default: stdout).")
    ] = None,
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything fairgate holds about an account, as one JSON document: every
    decision with its statement of reasons, strikes, restrictions, appeals."""
    from fairgate.enforcement.export import export_account

    with engine_for(db, policy) as engine:
        document = export_account(engine, account)
    text = json.dumps(document, ensure_ascii=False, indent=None if as_json else 2)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        emit({"written": str(output)}, as_json, lambda: out.print(f"wrote {output}", markup=False))
    else:
        sys.stdout.write(text + "\n")


# -- appeals --------------------------------------------------------------------
@appeals_app.command("file")
def appeals_file(
    decision_id: str,
    statement: Annotated[str, typer.Option("--statement", help="The sender's words.")],
    account: Annotated[
        str | None, typer.Option("--account", help="The appellant (must be the decision's sender).")
    ] = None,
    by: ByOpt = "platform",
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """File the sender's appeal of a block or hold (once per decision)."""
    with engine_for(db, policy) as engine:
        appeal = engine.appeals.file(decision_id, statement, account_id=account, filed_by=by)
    data = appeal.to_dict()
    emit(data, as_json, lambda: out.print(f"appeal {appeal.id} filed for decision {decision_id}"))


@appeals_app.command("list")
def appeals_list(
    status: Annotated[str | None, typer.Option(help="pending, upheld or overturned")] = None,
    account: Annotated[str | None, typer.Option("--account", help="One account's appeals.")] = None,
    limit: LimitOpt = 100,
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Appeals, oldest first."""
    with engine_for(db, policy) as engine:
        rows = [
            a.to_dict() for a in engine.appeals.list(status=status, account_id=account, limit=limit)
        ]
    emit(
        rows,
        as_json,
        lambda: _rows(
            rows, ("appeal_id", "decision_id", "account_id", "status", "filed_at", "decided_by")
        ),
    )


@appeals_app.command("decide")
def appeals_decide(
    appeal_id: int,
    outcome: Annotated[str, typer.Argument(help="uphold or overturn")],
    reason: Annotated[str, typer.Option("--reason", help="Why (the sender is told).")],
    disable_entry: Annotated[
        bool,
        typer.Option(
            "--disable-entry",
            help="Overturn only: disable the matched list entries (false positive).",
        ),
    ] = False,
    by: ByOpt = "cli",
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A person's answer to an appeal; overturning reverses strikes and restrictions."""
    with engine_for(db, policy) as engine:
        result = engine.appeals.decide(
            appeal_id, outcome, reason=reason, by=by, disable_entries=disable_entry
        )
    data = result.to_dict()
    emit(data, as_json, lambda: out.print(result.notice, markup=False, highlight=False))


# -- review -----------------------------------------------------------------------
@review_app.command("list")
def review_list(
    kind: Annotated[str | None, typer.Option(help="hold, retro or appeal")] = None,
    list_name: Annotated[
        str | None, typer.Option("--list", help="Only items of this list.")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="Only items under this rule.")] = None,
    older_than_hours: Annotated[
        float | None,
        typer.Option("--older-than-hours", min=0, help="Only items at least this old."),
    ] = None,
    closed: Annotated[
        bool, typer.Option("--closed", help="Closed items instead of open ones.")
    ] = False,
    limit: LimitOpt = 100,
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open review items, oldest first."""
    older = timedelta(hours=older_than_hours) if older_than_hours is not None else None
    with engine_for(db, policy) as engine:
        items = engine.review.queue(
            kind=kind,
            list_name=list_name,
            rule=rule,
            older_than=older,
            status="closed" if closed else "open",
            limit=limit,
        )
    rows = [i.to_dict() for i in items]
    emit(
        rows,
        as_json,
        lambda: _rows(
            rows,
            (
                "item_id",
                "kind",
                "decision_id",
                "account_id",
                "rule",
                "created_at",
                "claimed_by",
                "outcome",
            ),
        ),
    )


@review_app.command("claim")
def review_claim(
    item_id: int,
    by: ByOpt = "cli",
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Claim an item so no other reviewer takes it (claims lapse after review_claim_minutes)."""
    with engine_for(db, policy) as engine:
        item = engine.review.claim(item_id, by=by)
    emit(item.to_dict(), as_json, lambda: out.print(f"item {item_id} claimed by {by}"))


@review_app.command("decide")
def review_decide(
    item_id: int,
    outcome: Annotated[
        str,
        typer.Argument(help="hold: deliver|block; retro: dismiss|confirm; appeal: uphold|overturn"),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded; the sender is told).")],
    disable_entry: Annotated[
        bool,
        typer.Option("--disable-entry", help="Appeal overturn only: disable the matched entries."),
    ] = False,
    by: ByOpt = "cli",
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a review item."""
    with engine_for(db, policy) as engine:
        result = engine.review.decide(
            item_id, outcome, reason=reason, by=by, disable_entries=disable_entry
        )
    data = result.to_dict()
    emit(
        data,
        as_json,
        lambda: out.print(f"item {item_id}: {outcome}. {result.notice or ''}", markup=False),
    )


# -- audit ------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head", help="A head hash published earlier: the chain must end there."
        ),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the hash chain and the stored decisions against it; exit 1 naming
    the first broken event if anything was changed."""
    from fairgate.cli_support import settings_for
    from fairgate.store import audit_log, open_store

    with open_store(settings_for(db).database_url) as store:
        result = audit_log.verify_database(store.engine, expect_head=expect_head)
    data = result.to_dict()

    def human() -> None:
        if result.ok:
            out.print(f"audit log OK: {result.checked} events, head {result.head_hash}")
        else:
            out.print(
                f"audit log BROKEN at event {result.first_broken_seq}: {result.reason} "
                f"({result.checked} events verified before it)",
                markup=False,
            )

    emit(data, as_json, human)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log_cmd(
    subject: Annotated[
        str | None, typer.Option(help="e.g. account:u1, decision:ID, list:NAME")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="e.g. decision, strike.add, appeal.decide")
    ] = None,
    after: Annotated[int, typer.Option(min=0, help="Events after this sequence number.")] = 0,
    limit: LimitOpt = 100,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print audit events in order."""
    from fairgate.cli_support import settings_for
    from fairgate.store import audit_log, open_store

    with open_store(settings_for(db).database_url) as store:
        rows = [
            e.to_dict()
            for e in audit_log.events(
                store.engine, after=after, subject=subject, kind=kind, limit=limit
            )
        ]
    emit(rows, as_json, lambda: _rows(rows, ("seq", "at", "kind", "subject", "actor")))


# -- retention ---------------------------------------------------------------------
@retention_app.command("purge")
def retention_purge(policy: PolicyOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Delete stored attachment hashes older than media_retention_days, and the
    images kept for reviewers older than console_media_retention_days."""
    from fairgate.console import media

    with engine_for(db, policy) as engine:
        count = engine.retro.purge()
        images = media.purge(engine.store, engine.settings, engine.clock())
        days = engine.settings.media_retention_days
        image_days = engine.settings.console_media_retention_days
    emit(
        {"deleted": count, "deleted_images": images},
        as_json,
        lambda: out.print(
            f"deleted {count} hashes older than {days} days and {images} kept images "
            f"older than {image_days:g} days"
        ),
    )
