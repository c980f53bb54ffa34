"""The one percentile rule every benchmark reports with."""

from __future__ import annotations

from collections.abc import Sequence


def p99(ordered: Sequence[float]) -> float:
    """The 99th percentile of sorted, non-empty ``ordered``: the value at rank
    round(0.99 x (n - 1)), no interpolation."""
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
