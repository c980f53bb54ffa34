"""Grey thumbnails compared by normalised cross-correlation: crops, pads and frames of
smooth photos.

Local features need corners; a blurred gradient, a grey sky or an out-of-focus
flower have few, and PDQ of their crops, pads and frames moves far. Their
coarse shading survives all three: a crop of the photo is a window of the
listed image's thumbnail, a padded or framed copy holds the listed thumbnail
as a window. ``index/dense.py`` looks for both at the scales of
``visual_dense_scales`` with zero-mean normalised cross-correlation (OpenCV's
``TM_CCOEFF_NORMED``: brightness and contrast changes do not move it).

* A **list entry** (``reference=True``) is the listed image's grey thumbnail,
  ``visual_dense_side`` px on its longer side (box filter), with its PDQ
  hash: ``ncc1:<pdq hex>:<width>x<height>:<base64 pixels>`` (about 4.4 KB at
  64 px). Images flatter than ``visual_dense_min_std`` get none.
* **Screening** keeps the sent image's grey thumbnail at twice that side (the
  scaled windows are resized from it) in this signal type's small cache, keyed
  like local features' (``ncc1q:<sha256 prefix>``), where the index finds it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

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

PREFIX = "ncc1:"
QUERY_PREFIX = "ncc1q:"
_SIZE = re.compile(r"(\d{1,4})x(\d{1,4})")

U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A grey thumbnail (``pixels``, height x width) and PDQ hashes that nominate it."""

    pixels: U8
    pdq: tuple[str, ...] = ()


def thumbnail(image: Image.Image, side: int) -> U8:
    """``image`` in grey, box-filtered so its longer side is ``side`` px."""
    w, h = image.size
    factor = side / max(w, h)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(image.convert("L").resize(size, Image.Resampling.BOX), dtype=np.uint8)


def encode(thumb: Thumbnail) -> str:
    h, w = thumb.pixels.shape
    body = base64.b64encode(np.ascontiguousarray(thumb.pixels).tobytes()).decode("ascii")
    return f"{PREFIX}{thumb.pdq[0] if thumb.pdq else ''}:{w}x{h}:{body}"


def decode(value: str) -> Thumbnail:
    """The thumbnail of an ``ncc1:`` value; ``InvalidSignalValue`` names what is wrong."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        raise InvalidSignalValue(f"ncc value must start with {PREFIX!r}")
    parts = value[len(PREFIX) :].strip().split(":")
    if len(parts) != 3:
        raise InvalidSignalValue("ncc value must be ncc1:<pdq hex or nothing>:<w>x<h>:<base64>")
    pdq, size, body = parts
    hashes = (canonical_hex(pdq, length=64, what="ncc value's pdq hash"),) if pdq else ()
    found = _SIZE.fullmatch(size)
    if found is None:
        raise InvalidSignalValue(f"ncc value's size must be <width>x<height>, not {size!r}")
    w, h = int(found.group(1)), int(found.group(2))
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSignalValue(f"ncc value is not valid base64: {exc}") from None
    if w < 1 or h < 1 or len(raw) != w * h:
        raise InvalidSignalValue(f"ncc value holds {len(raw)} bytes; {w}x{h} needs {w * h}")
    pixels = np.frombuffer(raw, dtype=np.uint8).reshape(h, w).copy()
    return Thumbnail(pixels, hashes)


class DenseThumbnail:
    """Thumbnail cross-correlation as a fairgate signal type (see the module doc)."""

    name: str = "ncc"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""
    deferred: int = 1
    """Deferred, first tier (engine.deferral): only for attachments no hash matched
    (most matched images are matched by a hash, and need no thumbnail); local
    features (tier 2) then run only for what neither matched."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queries: QueryCache[Thumbnail] = QueryCache()

    def validate(self, value: str) -> str:
        thumb = decode(value)
        side = 2 * self.settings.visual_dense_side
        if max(thumb.pixels.shape) > side:
            raise InvalidSignalValue(f"ncc thumbnail is larger than {side} px")
        return value.strip()

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        settings = self.settings
        if reference:
            image = media.image()
            pixels = thumbnail(image, settings.visual_dense_side)
            if float(pixels.std()) < settings.visual_dense_min_std:
                return []  # too flat to correlate with anything
            pdq, _ = box_pdq(image, dihedral=False)
            return [Signal(self.name, encode(Thumbnail(pixels, pdq)), attachment)]
        image = media.image(reduced=True)
        pixels = thumbnail(image, 2 * settings.visual_dense_side)
        key = f"{QUERY_PREFIX}{media.key[:32]}"
        self.remember(key, Thumbnail(pixels))  # its PDQ: from the thumbnail, if a long list asks
        return [Signal(self.name, key, attachment, variant="query")]

    def remember(self, key: str, thumb: Thumbnail) -> None:
        self._queries.remember(key, thumb)

    def resolve(self, value: str) -> Thumbnail | None:
        """The thumbnail behind a screening key (None when evicted), or of a full value."""
        if value.startswith(QUERY_PREFIX):
            return self._queries.get(value)
        return decode(value)

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        from fairgate.index.dense import DenseIndex

        return DenseIndex(self.resolve, self.settings)
