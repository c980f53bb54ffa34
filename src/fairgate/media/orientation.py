"""EXIF orientation: how the stored pixels map to the image as displayed.

The table matches :func:`PIL.ImageOps.exif_transpose` (same transpose per
tag). It also says, for each displayed axis, whether it runs against the
stored axis it comes from: a reduced JPEG decode averages blocks that start
at the stored origin, so after a flip the partial block sits at the start of
the displayed axis instead of its end (``signals/pdq.py`` needs that).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

ORIENTATION_TAG = 0x0112


@dataclass(frozen=True, slots=True)
class Orientation:
    tag: int
    transpose: Image.Transpose | None
    """What to apply to the stored pixels to get the displayed image."""
    swaps_axes: bool
    """Displayed x comes from stored y (and y from x)."""
    reverses_x: bool
    """Displayed x runs from the far end of the stored axis it comes from."""
    reverses_y: bool
    """Displayed y runs from the far end of the stored axis it comes from."""

    def displayed_size(self, stored: tuple[int, int]) -> tuple[int, int]:
        """(width, height) as displayed, given the stored (width, height)."""
        return (stored[1], stored[0]) if self.swaps_axes else stored


_T = Image.Transpose
ORIENTATIONS: dict[int, Orientation] = {
    1: Orientation(1, None, swaps_axes=False, reverses_x=False, reverses_y=False),
    2: Orientation(2, _T.FLIP_LEFT_RIGHT, swaps_axes=False, reverses_x=True, reverses_y=False),
    3: Orientation(3, _T.ROTATE_180, swaps_axes=False, reverses_x=True, reverses_y=True),
    4: Orientation(4, _T.FLIP_TOP_BOTTOM, swaps_axes=False, reverses_x=False, reverses_y=True),
    5: Orientation(5, _T.TRANSPOSE, swaps_axes=True, reverses_x=False, reverses_y=False),
    6: Orientation(6, _T.ROTATE_270, swaps_axes=True, reverses_x=True, reverses_y=False),
    7: Orientation(7, _T.TRANSVERSE, swaps_axes=True, reverses_x=True, reverses_y=True),
    8: Orientation(8, _T.ROTATE_90, swaps_axes=True, reverses_x=False, reverses_y=True),
}
UPRIGHT = ORIENTATIONS[1]


def orientation_of(image: Image.Image) -> Orientation:
    """The EXIF orientation of an opened image; upright when absent or unreadable.

    Call it after ``load()``: for PNG the eXIf chunk may follow the pixel data.
    """
    try:
        tag = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a corrupt EXIF block must not stop hashing the pixels
        return UPRIGHT
    if not isinstance(tag, int):
        return UPRIGHT
    return ORIENTATIONS.get(tag, UPRIGHT)
