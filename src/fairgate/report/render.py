"""Write the report's Markdown and CSV files (charts: :mod:`fairgate.report.charts`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from fairgate.report.model import Report
from fairgate.report.tables import Cell, Table, hours, report_tables

MARKDOWN_NAME = "report.md"
SUMMARY_NAME = "summary.csv"


def write_csvs(report: Report, folder: Path) -> list[Path]:
    """One CSV per table plus ``summary.csv``; returns the paths written."""
    written = []
    for table in report_tables(report):
        path = folder / f"{table.name}.csv"
        _write_csv(path, table.header, table.rows)
        written.append(path)
    path = folder / SUMMARY_NAME
    _write_csv(path, ("measure", "value"), summary_rows(report))
    written.append(path)
    return written


def summary_rows(report: Report) -> tuple[tuple[Cell, ...], ...]:
    d, a = report.decisions, report.appeals
    return (
        ("period_since", report.period.since.isoformat()),
        ("period_until_excluded", report.period.until.isoformat()),
        ("generated_at", report.generated_at.isoformat()),
        ("decisions", d.total),
        ("decisions_automated", d.total),
        ("appeals_filed", a.filed),
        ("appeals_decided", a.decided),
        ("appeals_upheld", a.decided_upheld),
        ("appeals_overturned", a.decided_overturned),
        ("median_hours_to_appeal_decision", hours(a.median_seconds_to_decision)),
        ("restrictions_started", sum(r.started for r in report.restrictions)),
        ("review_items_decided", sum(r.decided for r in report.reviews)),
    )


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_markdown(report: Report, folder: Path, charts: Sequence[Path]) -> Path:
    path = folder / MARKDOWN_NAME
    path.write_text(markdown(report, [c.name for c in charts]), encoding="utf-8")
    return path


def markdown(report: Report, chart_names: Sequence[str] = ()) -> str:
    p = report.period
    d = report.decisions
    lines = [
        "# fairgate transparency report",
        "",
        f"Period: **{p.since.isoformat()}** (included) to **{p.until.isoformat()}** "
        f"(excluded), UTC. Generated {report.generated_at.isoformat()}.",
        "",
        "## How to read this report",
        "",
        f"- **Every screening decision is automated** ({d.total} in this period): fairgate "
        "matched each message against hash lists, perceptual hashes and keyword lists "
        "without a person deciding. People decide held messages, retro-scan hits and "
        "appeals (see *Human review*).",
        "- Each fact is counted by its own time in the period: a decision when it was "
        "made, an appeal when it was filed (or decided), a restriction when it started, "
        "a review item when it was queued (or decided). Anything *at the end of the "
        "period* is as of the end time, so a report for a past period does not change.",
        "- A decision is attributed to the rule and detection method of its top reason "
        "(the reason that decided it).",
        "- Rows with zero are shown, not left out. The CSV files next to this one hold "
        "the same tables.",
        "",
    ]
    for table in report_tables(report):
        lines += [f"## {table.title}", "", table.counts, ""]
        lines += _markdown_table(table)
        if not table.rows:
            lines += ["", "_None known for this period._"]
        chart = f"{table.name}.png"
        if chart in chart_names:
            lines += ["", f"![{table.title}]({chart})"]
        lines.append("")
    return "\n".join(lines)


def _markdown_table(table: Table) -> list[str]:
    numeric = [
        bool(table.rows) and all(isinstance(row[i], int | float) for row in table.rows)
        for i in range(len(table.header))
    ]
    lines = [
        "| " + " | ".join(table.header) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    for row in table.rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    return lines


def _md_cell(value: Cell) -> str:
    return str(value).replace("|", "\\|").strip()
