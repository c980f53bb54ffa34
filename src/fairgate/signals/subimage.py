"""Sub-image PDQ hashes: defeat crops (the sent image is part of a listed one)
and tiling (a listed image is part of the sent one).

* ``PdqCrops`` (list entries only): when an image is listed, the PDQ hashes
  of windows of it are listed too, as ``pdq`` entries of the same list: a
  window of ``s`` x ``s`` of each side for every ``s`` in ``CROP_SCALES``, at
  the corners and the centre. A crop of the listed image then lies near one
  of them. Windows whose PDQ quality is under the floor are left out.
* ``PdqTiles`` (screening only): the PDQ hashes of the tiles of the sent
  image on the grids of ``TILE_GRIDS``, plain
  and mirrored, matched against the ``pdq`` index as variant
  ``tile:<cols>x<rows>:<k>[:mirror]``. For speed the image is box-resized
  once per grid to 64 px per tile and each tile's 64 x 64 luma is hashed
  directly (PDQ's own downsampling is a box filter to 64 x 64; this is the
  same up to rounding, within a few bits): 28 hashes in about 2 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from fairgate.signals.exact import new_index
from fairgate.signals.pdq import _bits_hex, _quality, pdq_fast
from fairgate.signals.trim import decoded_view
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import MediaSource
    from fairgate.settings import Settings

CROP_SCALES: tuple[float, ...] = (0.8, 0.6)
TILE_GRIDS: tuple[tuple[int, int], ...] = ((2, 2), (3, 1), (1, 3), (2, 1), (1, 2))
_WORK = 768
"""Windows and tiles are hashed from a copy at most this long (PDQ works at 64 x 64)."""


def _work_copy(image: Image.Image) -> Image.Image:
    w, h = image.size
    factor = _WORK / max(w, h)
    if factor >= 1:
        return image
    return image.resize(
        (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR
    )


def windows(size: tuple[int, int], scales: tuple[float, ...]) -> list[tuple[int, int, int, int]]:
    """Corner and centre windows of each scale, as (left, top, right, bottom)."""
    w, h = size
    boxes: list[tuple[int, int, int, int]] = []
    for s in scales:
        cw, ch = round(w * s), round(h * s)
        for left, top in ((0, 0), (w - cw, 0), (0, h - ch), (w - cw, h - ch)):
            boxes.append((left, top, left + cw, top + ch))
        left, top = (w - cw) // 2, (h - ch) // 2
        boxes.append((left, top, left + cw, top + ch))
    return boxes


def box_pdq(image: Image.Image, *, dihedral: bool) -> tuple[tuple[str, ...], int]:
    """PDQ hashes (original, then the 7 variants of ``pdq.VARIANTS`` when ``dihedral``)
    and quality from one 64 x 64 box resize of the grey image, about 1 ms: PDQ's own
    downsampling (box filters, then 64 x 64) up to rounding, so within a few bits."""
    buffer = np.asarray(image.convert("L").resize((64, 64), Image.Resampling.BOX), dtype=np.float32)
    quality = _quality(buffer)
    if not dihedral:
        return (_bits_hex(buffer),), quality
    # The same views as pdq._numpy_pdq: rotate90 is the buffer turned counter-clockwise...
    views = (
        buffer,
        np.rot90(buffer, 1),
        np.rot90(buffer, 2),
        np.rot90(buffer, 3),
        buffer[::-1],
        buffer[:, ::-1],
        buffer.T,
        np.rot90(buffer, 2).T,
    )
    return tuple(_bits_hex(np.ascontiguousarray(v)) for v in views), quality


def _hash(image: Image.Image) -> tuple[str, int]:
    result = pdq_fast(decoded_view(image), dihedral=False)
    return result.hashes[0], result.quality


class PdqCrops:
    """PDQ hashes of windows of a listed image, listed as ``pdq`` entries."""

    name: str = "pdq_crops"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def validate(self, value: str) -> str:
        from fairgate.errors import InvalidSignalValue

        raise InvalidSignalValue("pdq_crops are computed from a listed file; add the file")

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        if not reference:
            return []
        image = _work_copy(media.image())
        out: list[Signal] = []
        for box in windows(image.size, CROP_SCALES):
            value, quality = _hash(image.crop(box))
            if quality >= self.settings.pdq_quality_floor:  # a flat window is not listed
                out.append(Signal("pdq", value, attachment, quality=quality))
        return out

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        return new_index("fairgate.index.exact", "ExactIndex")  # never holds entries


class PdqTiles:
    """PDQ hashes of the tiles of a sent image (screening only)."""

    name: str = "pdq_tiles"
    per_frame: bool = True
    """Computed on every screened frame of an animation (signals/frames.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def validate(self, value: str) -> str:
        from fairgate.errors import InvalidSignalValue

        raise InvalidSignalValue("pdq_tiles are computed when screening; add the image instead")

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        if reference:
            return []
        image = media.image(reduced=True)  # untrimmed: a trim into a flat sky would shift the grid
        grey = image.convert("L")
        out: list[Signal] = []
        for cols, rows in TILE_GRIDS:
            if min(image.width // cols, image.height // rows) < 16:
                continue
            luma = np.asarray(
                grey.resize((64 * cols, 64 * rows), Image.Resampling.BOX), dtype=np.float32
            )
            for k in range(cols * rows):
                r, c = divmod(k, cols)
                buffer = np.ascontiguousarray(luma[r * 64 : (r + 1) * 64, c * 64 : (c + 1) * 64])
                quality = _quality(buffer)
                if quality < self.settings.pdq_quality_floor:
                    continue  # a flat tile: not matched, and not worth a note
                variant = f"tile:{cols}x{rows}:{k}"
                for suffix, view in (("", buffer), (":mirror", buffer[:, ::-1])):
                    value = _bits_hex(np.ascontiguousarray(view))
                    out.append(Signal("pdq", value, attachment, quality, variant + suffix))
        return out

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        return new_index("fairgate.index.exact", "ExactIndex")
