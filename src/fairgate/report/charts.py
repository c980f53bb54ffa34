"""PNG charts of the report (matplotlib, Agg canvas: no display, no global pyplot state)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fairgate.report.model import ACTIONS, NO_RULE, ActionRow, Report
from fairgate.report.tables import hours

ACTION_COLOURS = {"deliver": "#4c956c", "hold": "#f4a259", "block": "#bc4b51"}
BAR_COLOUR = "#3d5a80"
DPI = 100


def write_charts(report: Report, folder: Path, *, max_rules: int) -> list[Path]:
    """One PNG per chart in ``folder``; ``max_rules`` rules are drawn, the rest
    summed into one bar (the tables list every rule). Returns the paths written."""
    d, a = report.decisions, report.appeals
    charts: list[tuple[str, Figure]] = [
        (
            "decisions_by_action",
            _bars(
                "Decisions by action (all automated)",
                [(c.label, c.count) for c in d.by_action],
                [ACTION_COLOURS.get(c.label, BAR_COLOUR) for c in d.by_action],
            ),
        ),
        ("decisions_by_method", _stacked("Decisions by detection method", d.by_method)),
        (
            "decisions_by_rule",
            _stacked(
                "Decisions by rule (messages that matched one)",
                _top_rules([r for r in d.by_rule if r.label != NO_RULE], max_rules),
            ),
        ),
        (
            "appeals",
            _bars(
                f"Appeals (median time to decision: {_hours_text(a.median_seconds_to_decision)})",
                [
                    ("filed", a.filed),
                    ("upheld (decided)", a.decided_upheld),
                    ("overturned (decided)", a.decided_overturned),
                    ("open at end", a.open_at_end),
                ],
            ),
        ),
        (
            "restrictions_by_level",
            _bars(
                "Restrictions started, by level",
                [(r.level, r.started) for r in report.restrictions],
            ),
        ),
        (
            "review_outcomes",
            _bars(
                "Human review decisions, by outcome",
                [(f"{r.kind}: {o.label}", o.count) for r in report.reviews for o in r.outcomes],
            ),
        ),
    ]
    written = []
    for name, figure in charts:
        path = folder / f"{name}.png"
        FigureCanvasAgg(figure)
        figure.savefig(path, format="png", dpi=DPI)
        written.append(path)
    return written


def _hours_text(seconds: float | None) -> str:
    value = hours(seconds)
    return value if value == "n/a" else f"{value} h"


def _top_rules(rows: Sequence[ActionRow], limit: int) -> list[ActionRow]:
    if len(rows) <= limit:
        return list(rows)
    kept, rest = list(rows[:limit]), rows[limit:]
    other = ActionRow(
        f"{len(rest)} other rules",
        sum(r.deliver for r in rest),
        sum(r.hold for r in rest),
        sum(r.block for r in rest),
    )
    return [*kept, other]


def _bars(
    title: str, values: Sequence[tuple[str, int]], colours: Sequence[str] | None = None
) -> Figure:
    figure = Figure(figsize=(8, max(2.5, 0.9 + 0.4 * len(values))), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    labels = [label for label, _ in values]
    counts = [count for _, count in values]
    positions = list(range(len(values)))
    axes.barh(positions, counts, color=list(colours) if colours else BAR_COLOUR)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel("count")
    for position, count in zip(positions, counts, strict=True):
        axes.annotate(
            str(count), (count, position), xytext=(3, 0), textcoords="offset points", va="center"
        )
    _mark_empty(axes, sum(counts), bool(values))
    return figure


def _stacked(title: str, rows: Sequence[ActionRow]) -> Figure:
    figure = Figure(figsize=(8, max(2.5, 1.2 + 0.4 * len(rows))), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title)
    positions = list(range(len(rows)))
    left = [0] * len(rows)
    for action in ACTIONS:
        counts = [int(getattr(r, action)) for r in rows]
        axes.barh(positions, counts, left=left, color=ACTION_COLOURS[action], label=action)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(positions, [r.label for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("decisions")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    _mark_empty(axes, sum(left), bool(rows))
    return figure


def _mark_empty(axes: Axes, total: int, has_rows: bool) -> None:
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if total > 0:
        axes.set_xlim(0, axes.get_xlim()[1] * 1.08)
    if total == 0:
        axes.set_xlim(0, 1)
        axes.text(
            0.5,
            0.5,
            "none in this period" if has_rows else "nothing to show",
            transform=axes.transAxes,
            ha="center",
            va="center",
            color="grey",
        )
