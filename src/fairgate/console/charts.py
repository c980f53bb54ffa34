"""Small server-side SVG charts (no chart library, no script: the page works offline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

COLOURS = {"deliver": "#2e7d32", "hold": "#ef6c00", "block": "#c62828"}
DEFAULT_COLOUR = "#1565c0"


def bars(rows: Sequence[tuple[str, int]], *, title: str, width: int = 520) -> Markup:
    """Horizontal bars, one per (label, value), labelled with the value."""
    height = 24 * max(1, len(rows)) + 8
    top = max([v for _, v in rows] + [1])
    label_w, bar_w = 200, width - 260
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = 8 + 24 * i
        w = round(bar_w * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label[:32])}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="18" '
            f'fill="{COLOURS.get(label, DEFAULT_COLOUR)}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 14}" font-size="12">{value}</text>'
        )
    if not rows:
        parts.append('<text x="8" y="20" font-size="12">nothing yet</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped above


def stacked_minutes(
    minutes: Sequence[str],
    counts: Mapping[str, Mapping[str, int]],
    *,
    actions: Sequence[str] = ("deliver", "hold", "block"),
    title: str,
    width: int = 720,
    height: int = 180,
) -> Markup:
    """One column per minute, stacked by action, with a legend."""
    top = max([sum(counts.get(m, {}).values()) for m in minutes] + [1])
    plot_h = height - 40
    step = (width - 40) / max(1, len(minutes))
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="12" font-size="11">{top}/min</text>',
        f'<line x1="36" y1="{plot_h + 4}" x2="{width}" y2="{plot_h + 4}" stroke="#888"/>',
    ]
    for i, minute in enumerate(minutes):
        x = 38 + i * step
        y: float = plot_h + 4
        for action in actions:
            n = counts.get(minute, {}).get(action, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(1.0, step - 1):.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[action]}"><title>{escape(minute)} '
                f"{action}: {n}</title></rect>"
            )
    for j, action in enumerate(actions):
        x = 40 + 110 * j
        parts.append(
            f'<rect x="{x}" y="{height - 16}" width="12" height="12" fill="{COLOURS[action]}"/>'
            f'<text x="{x + 16}" y="{height - 6}" font-size="12">{action}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped above
