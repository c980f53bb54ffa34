"""Recall at a precision target, per transform, from a query x reference distance matrix.

Pairs are (query, listed original). A pair is *positive* when the query was
made from that original. At threshold ``t`` every pair with distance <= t
is a match; precision = true matches / all matches, over every pair of the
run (so each query of an unlisted original, and each query compared with
the wrong original, is a distractor). The operating threshold is the one
giving the most recall with precision >= the target; recall per transform
is then read at that one threshold (one setting serves every transform).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Operating:
    threshold: float
    """Largest distance counted as a match (``-inf``: nothing can be matched)."""
    recall: float
    precision: float
    true_matches: int
    false_matches: int
    positives: int
    negatives: int


def operating_point(distances: F64, truth: Sequence[int], target: float) -> Operating:
    """``distances[q, r]``; ``truth[q]`` is the listed original of query q, or -1."""
    n_q, n_r = distances.shape
    positive = np.zeros((n_q, n_r), dtype=np.bool_)
    for q, r in enumerate(truth):
        if r >= 0:
            positive[q, r] = True
    flat, labels = distances.ravel(), positive.ravel()
    positives, negatives = int(labels.sum()), int(labels.size - labels.sum())
    finite = np.isfinite(flat)
    order = np.argsort(flat[finite], kind="stable")
    values, hits = flat[finite][order], labels[finite][order]
    tp, fp = np.cumsum(hits), np.cumsum(~hits)
    best = Operating(-math.inf, 0.0, 1.0, 0, 0, positives, negatives)
    if values.size == 0 or positives == 0:
        return best
    last = np.r_[values[1:] != values[:-1], True]  # the end of each run of equal distances
    for i in np.flatnonzero(last):
        precision = tp[i] / (tp[i] + fp[i])
        recall = tp[i] / positives
        if precision >= target and recall > best.recall:
            best = Operating(
                float(values[i]),
                float(recall),
                float(precision),
                int(tp[i]),
                int(fp[i]),
                positives,
                negatives,
            )
    return best


def recalled(distances: F64, truth: Sequence[int], threshold: float) -> npt.NDArray[np.bool_]:
    """Per query: is its own original within ``threshold``? (False for unlisted queries.)"""
    out = np.zeros(len(truth), dtype=np.bool_)
    for q, r in enumerate(truth):
        if r >= 0:
            out[q] = bool(distances[q, r] <= threshold)
    return out


def false_per_query(
    distances: F64, truth: Sequence[int], threshold: float
) -> npt.NDArray[np.int64]:
    """Per query: wrong originals within ``threshold``."""
    close = distances <= threshold
    for q, r in enumerate(truth):
        if r >= 0:
            close[q, r] = False
    counts: npt.NDArray[np.int64] = close.sum(axis=1).astype(np.int64)
    return counts


def roc(distances: F64, truth: Sequence[int]) -> tuple[F64, F64]:
    """(false positive rate, true positive rate) over every threshold, for the plot."""
    n_q, n_r = distances.shape
    positive = np.zeros((n_q, n_r), dtype=np.bool_)
    for q, r in enumerate(truth):
        if r >= 0:
            positive[q, r] = True
    flat, labels = distances.ravel(), positive.ravel()
    order = np.argsort(flat, kind="stable")
    hits = labels[order] & np.isfinite(flat[order])
    misses = ~labels[order] & np.isfinite(flat[order])
    tpr = np.cumsum(hits) / max(1, int(labels.sum()))
    fpr = np.cumsum(misses) / max(1, int((~labels).sum()))
    return fpr.astype(np.float64), tpr.astype(np.float64)
