"""Local features (ORB) with RANSAC geometric verification: the expensive signal.

It catches what global hashes miss - rotation by a few degrees, a heavy
crop, overlays, an image inside a frame or a collage - by finding the
listed image's keypoints in the sent one, in a consistent geometric
arrangement (a similarity transform fitted by RANSAC).

* A **list entry** (``reference=True``) is the listed image's
  ``visual_local_listed_features`` strongest ORB keypoints, spread over the
  image, with its PDQ hash, and (``visual_local_mirror``) those of its mirror
  image: ``orb1:<pdq hex>:<base64>[:<base64 of the mirror image>]`` (pixel
  coordinates as uint16 and 32-byte descriptors; about 25 KB with the mirror).
* **Screening** extracts ``visual_local_query_features`` keypoints of the
  sent image once: ORB is not mirror-invariant, so a mirrored copy is found
  through the entry's mirror-image keypoints. Entries without them (listed
  with ``visual_local_mirror`` off) are matched against the sent image's
  mirror image only when ``visual_local_mirror_at_screening`` is on (a
  second extraction). The features are large, so each Signal carries a key
  (``orb1q:<sha256 prefix>[:m]``) and they wait in this signal type's small
  cache, where its index (made by :meth:`LocalFeatures.make_index`) finds
  them.

The engine runs this type **after** the cheap ones, only for attachments
they did not match, and within the per-image budget (``deferred = 2``: after the
thumbnails of signals/dense.py, tier 1).
The index (``index/local.py``) verifies every entry while it holds at most
``visual_local_verify_all_max`` (a small, verify-worthy list); above that,
only the entries whose PDQ hash is within ``visual_candidate_distance`` of
one of the sent image's (near misses of the Hamming index).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.errors import InvalidSignalValue
from fairgate.signals.exact import canonical_hex
from fairgate.signals.query_cache import QueryCache
from fairgate.signals.subimage import box_pdq
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import MediaSource
    from fairgate.settings import Settings

PREFIX = "orb1:"
QUERY_PREFIX = "orb1q:"
_DESCRIPTOR_BYTES = 32
_ROW = 4 + _DESCRIPTOR_BYTES

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Features:
    """Keypoints of one image: ``points`` n x 2 (pixels of the analysed copy),
    ``descriptors`` n x 32 ORB bits, and PDQ hashes that nominate it."""

    points: F32
    descriptors: U8
    pdq: tuple[str, ...] = ()
    mirror: Features | None = None
    """A listed image's mirror image's keypoints (its own coordinates), if listed with them."""

    def __len__(self) -> int:
        return int(self.points.shape[0])


def extract(
    image: Image.Image, *, count: int, side: int, thresholds: Sequence[int] = (10,)
) -> Features:
    """ORB keypoints of ``image`` scaled so its longer side is ``side`` px.

    Detection asks for 3x ``count`` and keeps the strongest per cell of a
    4 x 4 grid in turn, so the kept points cover the whole image. FAST's
    corner threshold is the first of ``thresholds``; while fewer than
    ``count`` keypoints are found, detection runs again at the next (lower)
    one: smooth images (skies, gradients, blur) have few strong corners.
    """
    w, h = image.size
    factor = min(1.0, side / max(w, h))
    grey = image.convert("L")
    if factor < 1.0:
        grey = grey.resize(
            (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR
        )
    pixels = np.asarray(grey)
    if min(pixels.shape) < 32:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    keypoints: Sequence[cv2.KeyPoint] = ()
    descriptors = None
    for threshold in thresholds:
        orb = cv2.ORB.create(
            nfeatures=count * 3, fastThreshold=threshold, edgeThreshold=15, patchSize=15
        )
        keypoints, descriptors = orb.detectAndCompute(pixels, None)
        if len(keypoints) >= count:
            break
    if descriptors is None or not keypoints:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    response = np.array([kp.response for kp in keypoints], dtype=np.float32)
    keep = _spread(points, response, pixels.shape[1], pixels.shape[0], count)
    return Features(points[keep], np.ascontiguousarray(descriptors[keep]))


def _spread(points: F32, response: F32, w: int, h: int, count: int) -> npt.NDArray[np.intp]:
    """Indexes of ``count`` points, taken strongest first from each of 16 cells in turn."""
    cell = (np.minimum(points[:, 0] * 4 // w, 3) * 4 + np.minimum(points[:, 1] * 4 // h, 3)).astype(
        np.int64
    )
    order = np.argsort(-response, kind="stable")  # strongest first
    by_cell = order[np.argsort(cell[order], kind="stable")]  # per cell, strongest first
    cells = cell[by_cell]
    rank = np.empty(len(order), dtype=np.int64)
    rank[by_cell] = np.arange(len(order)) - np.searchsorted(cells, cells, side="left")
    chosen = np.lexsort((-response, rank))[:count]
    return np.sort(chosen)


def encode(features: Features) -> str:
    """``orb1:<pdq>:<base64 rows>[:<base64 rows of the mirror image>]``, each row
    uint16 x, uint16 y, 32 descriptor bytes."""
    parts = [_rows(features)] + ([_rows(features.mirror)] if features.mirror is not None else [])
    return f"{PREFIX}{features.pdq[0] if features.pdq else ''}:{':'.join(parts)}"


def _rows(features: Features) -> str:
    xy = np.clip(np.rint(features.points), 0, 65535).astype("<u2")
    rows = np.concatenate([xy.view(np.uint8).reshape(-1, 4), features.descriptors], axis=1)
    return base64.b64encode(rows.tobytes()).decode("ascii")


def decode(value: str) -> Features:
    """The features of an ``orb1:`` value; ``InvalidSignalValue`` names what is wrong."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        raise InvalidSignalValue(f"orb value must start with {PREFIX!r}")
    pdq, sep, body = value[len(PREFIX) :].partition(":")
    if not sep:
        raise InvalidSignalValue("orb value must be orb1:<pdq hex or nothing>:<base64>")
    hashes = (canonical_hex(pdq, length=64, what="orb value's pdq hash"),) if pdq else ()
    plain, sep, mirrored = body.strip().partition(":")
    mirror = _parse_rows(mirrored) if sep else None
    points, descriptors = _parse_rows(plain)
    return Features(
        points, descriptors, hashes, None if mirror is None else Features(*mirror, hashes)
    )


def _parse_rows(body: str) -> tuple[F32, U8]:
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSignalValue(f"orb value is not valid base64: {exc}") from None
    if not raw or len(raw) % _ROW:
        raise InvalidSignalValue(f"orb value holds {len(raw)} bytes; expected rows of {_ROW}")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _ROW)
    points = rows[:, :4].copy().view("<u2").astype(np.float32)
    return points, np.ascontiguousarray(rows[:, 4:])


class LocalFeatures:
    """ORB keypoints + RANSAC as a fairgate signal type (see the module doc)."""

    name: str = "orb"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""
    deferred: int = 2
    """Deferred, second tier (engine.deferral): after the hashes and the thumbnails
    (tier 1), for attachments none of them matched."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queries: QueryCache[Features] = QueryCache()

    def validate(self, value: str) -> str:
        features = decode(value)
        limit = 4 * self.settings.visual_local_listed_features
        for part in (features, features.mirror):
            if part is not None and len(part) > limit:
                raise InvalidSignalValue(f"orb value has {len(part)} keypoints; too many")
        return value.strip()

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        settings = self.settings
        if reference:
            image = media.image()
            features = self._extract(image, settings.visual_local_listed_features)
            if len(features) < settings.visual_local_min_inliers:
                return []  # too plain to verify anything against
            pdq, _ = box_pdq(image, dihedral=False)
            mirror = None
            if settings.visual_local_mirror:
                mirror = self._extract(
                    image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                    settings.visual_local_listed_features,
                )
            value = encode(Features(features.points, features.descriptors, pdq, mirror))
            return [Signal(self.name, value, attachment)]
        inner = media.image(reduced=True)  # untrimmed: keypoints ignore borders anyway
        pdq, _ = box_pdq(inner, dihedral=True)
        digest = media.key[:32]  # a frame of an animation has a key of its own
        views = [("query", inner)]
        if settings.visual_local_mirror_at_screening:
            views.append(("query:mirror", inner.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
        signals: list[Signal] = []
        for variant, view in views:
            features = self._extract(view, settings.visual_local_query_features)
            key = f"{QUERY_PREFIX}{digest}{':m' if variant.endswith('mirror') else ''}"
            self.remember(key, Features(features.points, features.descriptors, pdq))
            signals.append(Signal(self.name, key, attachment, variant=variant))
        return signals

    def _extract(self, image: Image.Image, count: int) -> Features:
        settings = self.settings
        return extract(
            image,
            count=count,
            side=settings.visual_local_side,
            thresholds=settings.visual_local_fast_thresholds,
        )

    def remember(self, key: str, features: Features) -> None:
        self._queries.remember(key, features)

    def resolve(self, value: str) -> Features | None:
        """The features behind a screening key (None when evicted), or of a full value."""
        if value.startswith(QUERY_PREFIX):
            return self._queries.get(value)
        return decode(value)

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        from fairgate.index.local import LocalFeatureIndex

        return LocalFeatureIndex(self.resolve, self.settings)
