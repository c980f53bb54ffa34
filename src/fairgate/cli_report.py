"""``fairgate report``: the transparency report for a period (Markdown, CSV, PNG charts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairgate.cli_support import DbOpt, JsonOpt, PolicyOpt, emit, out, settings_for


def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.md, the CSV tables and PNG charts.")
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start, included: ISO date or datetime, UTC unless it names a zone "
            "[default: 30 days (report_period_days) before --until].",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="End, excluded: ISO date or datetime [default: now]."),
    ] = None,
    policy: PolicyOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Transparency report: decisions by action, rule and detection method; appeals;
    restrictions by level; human review. Rules of the policy are listed even at zero."""
    from fairgate.policy import Policy, load_policy
    from fairgate.report.collect import collect
    from fairgate.report.files import write_report
    from fairgate.report.period import resolve_period
    from fairgate.store import open_store

    settings = settings_for(db, policy)
    now = datetime.now(UTC)
    period = resolve_period(since, until, now=now, default_days=settings.report_period_days)
    loaded = load_policy(settings.policy_path) if settings.policy_path else Policy()
    rules = [rule.id for rule in loaded.rules]
    levels = [level.name for level in loaded.enforcement.levels]
    with open_store(settings.database_url) as store:
        data = collect(store.engine, period, generated_at=now, rules=rules, levels=levels)
    written = write_report(data, out_dir, max_chart_rules=settings.report_chart_rules)

    def human() -> None:
        d, a = data.decisions, data.appeals
        out.print(
            f"{period.since.isoformat()} to {period.until.isoformat()}: "
            f"{d.total} decisions, {a.filed} appeals filed, {a.decided} decided, "
            f"{sum(r.started for r in data.restrictions)} restrictions started",
            markup=False,
            highlight=False,
        )
        for path in written:
            out.print(f"wrote {path}", markup=False, highlight=False)

    emit({**data.to_dict(), "files": [str(p) for p in written]}, as_json, human)
