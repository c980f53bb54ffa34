"""Trim added borders (padding, letterboxing, caption bars, app frames) before hashing.

A border line (a row or a column at the image's edge) is one that carries
no picture: either almost all its pixels are within ``tolerance`` of the
line's median colour (uniform padding, a caption bar with a few letters, a
status bar), or it is nearly featureless (a blurred enlargement of the image
used as a background: its pixel-to-pixel differences are a small share of
the picture's). Lines are peeled from all four sides, again and again (a
phone frame is a bezel, then a status bar, then a margin) until nothing
changes. The analysis runs on a grey copy at most ``_WORK`` px long (about 1 ms).

``PdqTrimmed`` is the signal type: the PDQ hashes (all 8 dihedral variants)
of the trimmed picture (only when there was something to trim), matched
against the PDQ index (``signal_type`` ``pdq``, variant ``trim:<variant>``). A listed image whose
own edges are flat (a dark band, a sky: PDQ can move 90 bits when 3% of
such an edge goes) is also listed trimmed, as one more ``pdq`` entry, so
both sides are trimmed alike.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

from fairgate.media.source import DecodedImage, MediaSource
from fairgate.signals.exact import new_index
from fairgate.signals.pdq import VARIANTS, pdq_fast, pdq_reference
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.settings import Settings

Box = tuple[int, int, int, int]
"""left, top, right, bottom (right/bottom exclusive), in pixels of the analysed image."""

_WORK = 160
_MIN_KEEP = 0.25
"""A trim keeping less than this share of a side is not believed."""


def _border_lines(
    lines: npt.NDArray[np.float32], tolerance: float, flat: float
) -> npt.NDArray[np.bool_]:
    """``lines``: k x n (k rows or columns of n grey levels): which are border lines."""
    n = lines.shape[1]
    median = np.partition(lines, n // 2, axis=1)[:, n // 2 : n // 2 + 1]
    near = (np.abs(lines - median) <= tolerance).mean(axis=1) >= 0.6
    steps = np.abs(np.diff(lines, axis=1)).mean(axis=1)
    result: npt.NDArray[np.bool_] = near | (steps <= flat)
    return result


def _run(flags: npt.NDArray[np.bool_]) -> int:
    """Length of the leading run of True."""
    return int(flags.size if flags.all() else np.argmin(flags))


def content_box(image: Image.Image, *, tolerance: float = 12.0, flat_share: float = 0.4) -> Box:
    """The box of ``image`` left when its border lines are peeled away (see module doc).

    Returns the whole image when there is no border or the trim is not believable.
    """
    w, h = image.size
    factor = min(1.0, _WORK / max(w, h))
    small = (
        image
        if factor == 1.0
        else image.resize(
            (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR
        )
    )
    px = np.asarray(small.convert("L"), dtype=np.float32)
    sh, sw = px.shape[:2]
    if sh < 8 or sw < 8:
        return (0, 0, w, h)
    # "Featureless": steps a small share of those in the middle of the picture.
    middle = px[sh // 4 : sh - sh // 4, sw // 4 : sw - sw // 4]
    typical = float(
        (np.abs(np.diff(middle, axis=0)).mean() + np.abs(np.diff(middle, axis=1)).mean()) / 2
    )
    flat = max(0.6, typical * flat_share)
    left, top, right, bottom = 0, 0, sw, sh
    for _ in range(6):  # bezel, bar, margin... each round peels one layer on every side
        before = (left, top, right, bottom)
        rows = _border_lines(px[top:bottom, left:right], tolerance, flat)
        top, bottom = top + _run(rows), bottom - _run(rows[::-1])
        if bottom - top <= 4:
            break
        cols = _border_lines(px[top:bottom, left:right].T, tolerance, flat)
        left, right = left + _run(cols), right - _run(cols[::-1])
        if right - left <= 4 or (left, top, right, bottom) == before:
            break
    if (right - left) < _MIN_KEEP * sw or (bottom - top) < _MIN_KEEP * sh:
        return (0, 0, w, h)
    scale_x, scale_y = w / sw, h / sh
    return (
        round(left * scale_x),
        round(top * scale_y),
        round(right * scale_x),
        round(bottom * scale_y),
    )


_TRIMS: weakref.WeakKeyDictionary[MediaSource, Image.Image | None] = weakref.WeakKeyDictionary()
_TRIMS_LOCK = threading.Lock()


def trimmed_media(media: MediaSource) -> Image.Image | None:
    """:func:`trimmed` of the screening decode of ``media``, computed once per attachment
    (the trimmed, tiles and local-feature signals all start from it)."""
    with _TRIMS_LOCK:
        if media in _TRIMS:
            return _TRIMS[media]
    result = trimmed(media.image(reduced=True))
    with _TRIMS_LOCK:
        _TRIMS[media] = result
    return result


def trimmed(image: Image.Image, min_trim: float = 0.02) -> Image.Image | None:
    """``image`` without its borders, or None when less than ``min_trim`` of a side goes."""
    w, h = image.size
    left, top, right, bottom = content_box(image)
    if (right - left) >= (1 - min_trim) * w and (bottom - top) >= (1 - min_trim) * h:
        return None
    return image.crop((left, top, right, bottom))


def decoded_view(image: Image.Image) -> DecodedImage:
    """A crop of a decode, as a full-resolution decode of its own (for ``pdq_fast``)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return DecodedImage(rgb, 1, rgb.size, (False, False))


class PdqTrimmed:
    """PDQ of the sent image with its borders trimmed (screening only)."""

    name: str = "pdq_trim"
    matched_as: str = "pdq"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def validate(self, value: str) -> str:
        from fairgate.errors import InvalidSignalValue

        raise InvalidSignalValue(
            "pdq_trim is computed when screening and matched against pdq entries; "
            "add the image (or its pdq hash) instead"
        )

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        if reference:
            # A listed image with flat edges of its own (a dark band, a sky) is listed
            # trimmed too, so the trimmed hash of a padded copy has the same thing to meet.
            inner = trimmed(media.image())
            if inner is None:
                return []
            result = pdq_reference(inner, dihedral=False)
            if result.quality < self.settings.pdq_quality_floor:
                return []
            return [Signal("pdq", result.hashes[0], attachment, quality=result.quality)]
        inner = trimmed_media(media)
        if inner is None:
            return []
        result = pdq_fast(decoded_view(inner), dihedral=self.settings.pdq_dihedral)
        hashes, quality = result.hashes, result.quality
        if quality < self.settings.pdq_quality_floor:
            return []  # the untrimmed hash already carries the low-quality note
        return [
            Signal("pdq", value, attachment, quality=quality, variant=f"trim:{variant}")
            for variant, value in zip(VARIANTS, hashes, strict=False)
        ]

    def check(self, signal: Signal) -> Note | None:
        return None  # its signals are ``pdq`` signals, checked by the pdq type

    def make_index(self) -> SignalIndex:
        return new_index("fairgate.index.exact", "ExactIndex")  # never holds entries
