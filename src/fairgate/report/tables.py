"""The report's tables as header + rows: one source for both the CSV files and Markdown."""

from __future__ import annotations

from dataclasses import dataclass

from fairgate.report.model import ActionRow, Report

Cell = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report: its file stem, title, what it counts, header and rows."""

    name: str
    title: str
    counts: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


ACTION_HEADER = ("deliver", "hold", "block", "total")


def _action_cells(row: ActionRow) -> tuple[Cell, ...]:
    return (row.label, row.deliver, row.hold, row.block, row.total)


def hours(seconds: float | None) -> str:
    """Seconds as hours with one decimal, or ``n/a`` when there is nothing to measure."""
    return "n/a" if seconds is None else f"{seconds / 3600:.1f}"


def report_tables(report: Report) -> tuple[Table, ...]:
    d, a = report.decisions, report.appeals
    return (
        Table(
            "decisions_by_action",
            "Decisions by action",
            "Messages screened in the period, by what happened to them. Every one of "
            "these decisions was made automatically.",
            ("action", "decisions"),
            tuple((c.label, c.count) for c in d.by_action),
        ),
        Table(
            "decisions_by_method",
            "Decisions by detection method",
            "Decisions by how their top reason was detected. 'none' is a message that "
            "matched nothing and was delivered.",
            ("method", *ACTION_HEADER),
            tuple(_action_cells(r) for r in d.by_method),
        ),
        Table(
            "decisions_by_rule",
            "Decisions by rule",
            "Decisions by the policy rule of their top reason (a 'deliver' under a rule "
            "is a match on a flag list: delivered, recorded).",
            ("rule", *ACTION_HEADER),
            tuple(_action_cells(r) for r in d.by_rule),
        ),
        Table(
            "appeals",
            "Appeals",
            "Appeals against decisions. 'Upheld' means the reviewer kept the decision; "
            "'overturned' means the appeal succeeded and its consequences were reversed.",
            ("measure", "value", "what it counts"),
            (
                ("filed", a.filed, "appeals filed in the period"),
                ("filed_upheld", a.filed_upheld, "of these, upheld by the end of the period"),
                (
                    "filed_overturned",
                    a.filed_overturned,
                    "of these, overturned by the end of the period",
                ),
                ("filed_open", a.filed_open, "of these, still open at the end of the period"),
                ("decided", a.decided, "appeals decided in the period, whenever filed"),
                ("decided_upheld", a.decided_upheld, "of these, upheld"),
                ("decided_overturned", a.decided_overturned, "of these, overturned"),
                (
                    "median_hours_to_decision",
                    hours(a.median_seconds_to_decision),
                    "median time from filing to decision of the appeals decided in the period",
                ),
                ("open_at_end", a.open_at_end, "appeals open at the end of the period"),
            ),
        ),
        Table(
            "restrictions_by_level",
            "Restrictions by level",
            "Account restrictions that started in the period, by ladder level; "
            "'permanent' have no end, 'lifted' were lifted by a person (for example on "
            "appeal) before the end of the period.",
            ("level", "started", "permanent", "lifted"),
            tuple((r.level, r.started, r.permanent, r.lifted) for r in report.restrictions),
        ),
        Table(
            "reviews",
            "Human review",
            "Items queued for a person (held messages, retro-scan hits, appeals): queued "
            "and decided in the period, and still open at its end.",
            ("kind", "queued", "decided", "open at end"),
            tuple((r.kind, r.created, r.decided, r.open_at_end) for r in report.reviews),
        ),
        Table(
            "review_outcomes",
            "Human review outcomes",
            "Review decisions made in the period, by kind of item and outcome.",
            ("kind", "outcome", "decided"),
            tuple((r.kind, o.label, o.count) for r in report.reviews for o in r.outcomes),
        ),
    )
