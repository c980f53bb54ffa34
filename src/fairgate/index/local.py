"""``LocalFeatureIndex``: listed images' ORB keypoints, verified geometrically.

``query`` finds, for each sent image, the entries whose keypoints reappear
in it in one consistent arrangement:

1. candidates: every active entry while there are at most
   ``visual_local_verify_all_max``; otherwise the ``visual_max_verify``
   entries whose PDQ hash is nearest to one of the sent image's, if within
   ``visual_candidate_distance`` (index/shortlist.py);
2. each candidate brings its keypoints and, if listed with them, its mirror
   image's (each verified on its own; the better counts); every candidate
   keypoint looks up its two nearest sent keypoints (one exact search over
   all candidates' descriptors at once, index/top2.py) and keeps
   the pair when the nearest is clearly nearer than the second (ratio test,
   ``visual_local_ratio``) and within 64 bits;
3. per candidate with enough pairs, RANSAC fits a similarity transform
   (rotation, scale, shift) and counts the pairs it explains within
   ``visual_local_ransac_px`` pixels. Degenerate fits are refused: a scale
   outside ``1/visual_local_max_scale..visual_local_max_scale`` (measured:
   distractor pairs reach 10 explained keypoints only through fits that
   shrink the listed image to a few pixels), or explained keypoints bunched
   together - their convex hull must cover ``visual_local_min_spread`` of
   the area the entry's keypoints span (one textured patch, a logo or a
   repeated texture matching by chance is small).

A hit's ``distance`` is the number of the entry's keypoints **not**
explained (fewer is closer); it matches when at least
``visual_local_min_inliers`` distinct sent keypoints are explained.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from fairgate.index.base import Hit
from fairgate.index.shortlist import PdqShortlist
from fairgate.index.top2 import top2

if TYPE_CHECKING:
    from fairgate.settings import Settings
    from fairgate.signals.local import Features

Resolver = Callable[[str], "Features | None"]
F32 = npt.NDArray[np.float32]
_MAX_BITS = 64


class LocalFeatureIndex:
    def __init__(self, resolve: Resolver, settings: Settings) -> None:
        self._resolve = resolve
        self._settings = settings
        self._entries: dict[int, Features] = {}
        self._shortlist = PdqShortlist()
        self._lock = threading.RLock()

    # -- the SignalIndex protocol -------------------------------------------
    def add(self, entries: Sequence[tuple[int, str]]) -> None:
        from fairgate.signals.local import decode

        decoded = [(entry_id, decode(value)) for entry_id, value in entries]
        with self._lock:
            self._entries.update(decoded)
            self._shortlist.invalidate()

    def extend(self, entries: Iterable[tuple[int, str]]) -> None:
        self.add(list(entries))

    def disable(self, entry_ids: Iterable[int]) -> None:
        with self._lock:
            for entry_id in entry_ids:
                self._entries.pop(entry_id, None)
            self._shortlist.invalidate()

    def __len__(self) -> int:
        return len(self._entries)

    def query(self, values: Sequence[str]) -> list[list[Hit]]:
        out: list[list[Hit]] = []
        for value in values:
            features = self._resolve(value)
            out.append([] if features is None or len(features) == 0 else self._match(features))
        return out

    # -- matching -------------------------------------------------------------
    def candidates(self, query: Features) -> list[tuple[int, Features]]:
        settings = self._settings
        with self._lock:
            if len(self._entries) <= settings.visual_local_verify_all_max:
                return list(self._entries.items())
            nominees = self._shortlist.current((k, f.pdq) for k, f in self._entries.items())
        chosen = nominees.nearest(
            query.pdq,
            max_distance=settings.visual_candidate_distance,
            limit=settings.visual_max_verify,
        )
        with self._lock:  # an entry disabled meanwhile is not compared
            return [(k, self._entries[k]) for k in chosen if k in self._entries]

    def _match(self, query: Features) -> list[Hit]:
        settings = self._settings
        chosen = [
            (entry_id, view)
            for entry_id, features in self.candidates(query)
            for view in (features, features.mirror)
            if view is not None and len(view) > 0
        ]
        if not chosen or len(query) < 2:
            return []
        listed = np.concatenate([f.descriptors for _, f in chosen])
        nearest, second, label = top2(listed, query.descriptors)
        good = (nearest <= _MAX_BITS) & (nearest < settings.visual_local_ratio * second)
        best: dict[int, int] = {}
        start = 0
        for entry_id, features in chosen:
            n = len(features)
            rows = np.flatnonzero(good[start : start + n])
            sent = query.points[label[start + rows]]
            start += n
            if rows.size < settings.visual_local_min_inliers:
                continue
            inliers = self._inliers(features.points[rows], sent, _span(features.points))
            if inliers >= settings.visual_local_min_inliers:
                best[entry_id] = min(best.get(entry_id, n), n - inliers)
        hits = [Hit(entry_id=entry_id, distance=d) for entry_id, d in best.items()]
        hits.sort(key=lambda hit: (hit.distance, hit.entry_id))
        return hits

    def _inliers(self, listed: F32, sent: F32, span: float) -> int:
        """Distinct sent keypoints one non-degenerate similarity explains (else 0)."""
        settings = self._settings
        model, mask = cv2.estimateAffinePartial2D(
            listed.reshape(-1, 1, 2),
            sent.reshape(-1, 1, 2),
            method=cv2.RANSAC,
            ransacReprojThreshold=settings.visual_local_ransac_px,
            maxIters=500,
            confidence=0.99,
        )
        if model is None or mask is None:
            return 0
        scale = float(np.hypot(model[0, 0], model[1, 0]))
        bound = settings.visual_local_max_scale
        if not 1.0 / bound <= scale <= bound:
            return 0
        explained = mask.ravel().astype(bool)
        if _span(listed[explained], hull=True) < settings.visual_local_min_spread * span:
            return 0
        # One sent keypoint explaining several listed ones counts once.
        matched = sent.reshape(-1, 2)[explained]
        return len({(round(float(x)), round(float(y))) for x, y in matched})


def _span(points: F32, *, hull: bool = False) -> float:
    """Area (px^2) the points cover: their bounding box, or their convex hull."""
    if len(points) < 3:
        return 0.0
    if hull:
        return float(cv2.contourArea(cv2.convexHull(np.ascontiguousarray(points, np.float32))))
    extent = points.max(axis=0) - points.min(axis=0)
    return float(extent[0] * extent[1])
