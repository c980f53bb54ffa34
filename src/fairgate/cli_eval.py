"""``fairgate eval``: accuracy evaluations (recall, false positives, latency) on real data."""

from __future__ import annotations

import typer

eval_app = typer.Typer(
    help="Measure accuracy: recall, false positives and latency on real data.",
    no_args_is_help=True,
)
