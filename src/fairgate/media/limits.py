"""Safe-decoding limits, built from :class:`~fairgate.settings.Settings`."""

from __future__ import annotations

from dataclasses import dataclass

from fairgate.settings import Settings

REDUCED_MIN_SIDE = 512
"""Shortest side (px) a reduced-size JPEG decode must keep.

Measured, not guessed. With PDQ's downsampling done for the full-resolution
image (``signals/pdq.py``), ~650 reduced decodes of 250 random crops of the
reference photos, text scans and screenshots (JPEG q75-q95) were hashed and
compared with their full decodes. Short side >= 512 px (~200 decodes): never
more than 2 bits apart (mean 0.3); 256-511 px: up to 8 bits (mean 1);
128-255 px: up to 16; under 128: up to 22.
The pdq-reference photos (4032x3024, decoded at 1/4) come out identical to
the full decode. Plain reduced decodes (PDQ run on the small image as if it
were the original) were 6-16 bits off even above 512 px.
"""


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """What one attachment may cost before it is decoded.

    ``max_file_bytes`` bounds the raw bytes; ``max_image_pixels`` and
    ``max_image_side`` are checked against the image header, before any pixel
    is decoded. ``reduced_min_side`` is how small a reduced JPEG decode may go.
    """

    max_file_bytes: int
    max_image_pixels: int
    max_image_side: int
    reduced_min_side: int = REDUCED_MIN_SIDE

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_image_pixels", "max_image_side", "reduced_min_side"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"MediaLimits.{name} must be a positive integer, got {value!r}")

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(
            max_file_bytes=settings.max_file_bytes,
            max_image_pixels=settings.max_image_pixels,
            max_image_side=settings.max_image_side,
            reduced_min_side=settings.pdq_reduced_min_side,
        )
