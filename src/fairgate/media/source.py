"""One attachment's bytes, decoded safely and lazily.

Every failure is a :class:`~fairgate.errors.MediaError` with a one-line
reason; nothing here may crash, hang or allocate without bound on hostile
input:

* the byte size is checked when the source is made;
* only common raster formats are even identified (no EPS/Ghostscript, no
  exotic plug-ins);
* width, height and pixel count are checked against the limits from the
  header, before any pixel is decoded; Pillow's own decompression-bomb
  warning is turned into an error while the header is read;
* truncated or corrupt data is an error (``ImageFile.LOAD_TRUNCATED_IMAGES``
  is never set, so Pillow refuses to return half an image);
* only the first frame of an animated image is decoded here; the later
  frames a screening looks at are decoded by :mod:`fairgate.media.frames`,
  one after the other, under their own frame and pixel budgets.

Colour handling follows python-threatexchange so PDQ hashes agree with it
bit for bit: whatever the mode (P, PA, LA, I;16, CMYK, RGBA...), the image
is ``convert("RGB")``-ed exactly as ``Image.open(...).convert("RGB")`` does
(alpha is dropped, not composited). Unlike pytx, the EXIF orientation is
applied (as ``ImageOps.exif_transpose`` would), so the hash is of the image
as people see it.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from fairgate.errors import MediaError
from fairgate.media.limits import MediaLimits
from fairgate.media.orientation import Orientation, orientation_of

FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
"""The formats fairgate identifies at all; anything else is "not a recognised image"."""

_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_SCALES = (8, 4, 2)
"""Denominators libjpeg's DCT scaling offers (1/8, 1/4, 1/2)."""

_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
    MemoryError,
)

DECODE_ERRORS = _DECODE_ERRORS
"""The exceptions Pillow may raise on hostile data while decoding: callers that
decode for a purpose of their own (e.g. OCR keeping the alpha channel) catch these."""


@dataclass(frozen=True, slots=True)
class ImageHeader:
    """What the image says about itself before any pixel is decoded."""

    format: str
    width: int
    height: int
    mode: str


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """A decoded first frame: RGB, EXIF orientation applied.

    ``scale`` is 1 for a full decode, or 2/4/8 when libjpeg's DCT scaling
    decoded it at 1/scale size (each pixel then stands for a scale x scale
    block of the full image, blocks starting at the stored origin).
    ``full_size`` is the (width, height) a full decode would have, as
    displayed; ``reversed_axes`` says for displayed x and y whether that
    block grid starts at the far edge (after an EXIF flip or rotation).
    """

    image: Image.Image
    scale: int
    full_size: tuple[int, int]
    reversed_axes: tuple[bool, bool]


def reduction_scale(width: int, height: int, min_side: int) -> int:
    """The largest DCT scale (8, 4, 2, else 1) whose decode keeps both sides >= min_side."""
    for scale in _SCALES:
        if min(-(-width // scale), -(-height // scale)) >= min_side:
            return scale
    return 1


class MediaSource:
    """The raw bytes of one attachment (``.data``) and their lazy, cached decodes."""

    frame: int = 0
    """Which frame of the file this is: 0 for the attachment itself (its first frame);
    a later frame of an animation is a :class:`fairgate.media.frames.FrameSource`."""

    def __init__(self, data: bytes, *, name: str | None = None, limits: MediaLimits) -> None:
        self.name = name
        self.limits = limits
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MediaError(f"expected bytes, got {type(data).__name__}", source=name)
        if len(data) == 0:
            raise self._error("empty file (0 bytes)")
        if len(data) > limits.max_file_bytes:
            raise self._error(
                f"file is {len(data)} bytes; the limit is {limits.max_file_bytes} bytes"
            )
        self.data = bytes(data)
        self._key: str | None = None
        self._header: ImageHeader | None = None
        self._decoded: dict[bool, DecodedImage] = {}

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, limits: MediaLimits) -> MediaSource:
        """Read a file, refusing one over the byte limit before reading it."""
        name = os.fspath(path)
        try:
            size = Path(path).stat().st_size
            if size > limits.max_file_bytes:
                raise MediaError(
                    f"file is {size} bytes; the limit is {limits.max_file_bytes} bytes",
                    source=name,
                )
            with open(path, "rb") as fh:
                data = fh.read(limits.max_file_bytes + 1)
        except OSError as exc:
            raise MediaError(exc.strerror or "cannot read file", source=name) from exc
        return cls(data, name=name, limits=limits)

    # -- public -----------------------------------------------------------
    @property
    def key(self) -> str:
        """What caches of per-image results (OCR, local features) key this image by:
        the sha256 of the bytes (a later frame of an animation has a key of its own)."""
        if self._key is None:
            self._key = hashlib.sha256(self.data).hexdigest()
        return self._key

    def header(self) -> ImageHeader:
        """Format and dimensions, checked against the limits (no pixel decoded)."""
        if self._header is None:
            image = self._open()
            image.close()
            self._header = ImageHeader(image.format or "?", image.width, image.height, image.mode)
        return self._header

    def opened(self) -> ImageFile.ImageFile:
        """The image opened but not decoded, its header checked against the limits
        (the caller closes it); a :class:`MediaError` if it cannot be."""
        return self._open()

    def check_dimensions(self, width: int, height: int) -> None:
        """A :class:`MediaError` if an image (or frame) this size breaks the limits."""
        self._check_dimensions(width, height)

    def image(self, *, reduced: bool = False) -> Image.Image:
        """The first frame as RGB with EXIF orientation applied.

        ``reduced=True`` lets a large JPEG decode at 1/2, 1/4 or 1/8 size
        (libjpeg DCT scaling), never below ``limits.reduced_min_side`` on
        the short side; other images decode in full either way.
        """
        return self.decoded(reduced=reduced).image

    def decoded(self, *, reduced: bool = False) -> DecodedImage:
        """Like :meth:`image`, with what a consumer needs to undo the reduction."""
        key = reduced and self._reducible()
        cached = self._decoded.get(key)
        if cached is None:
            cached = self._decode(key)
            self._decoded[key] = cached
            if cached.scale == 1:
                self._decoded[False] = cached
        return cached

    # -- internals -----------------------------------------------------------
    def _error(self, reason: str) -> MediaError:
        return MediaError(reason, source=self.name)

    def _reducible(self) -> bool:
        header = self.header()
        return header.format in _JPEG_FORMATS and (
            reduction_scale(header.width, header.height, self.limits.reduced_min_side) > 1
        )

    def _open(self) -> ImageFile.ImageFile:
        """Identify the image and check its header against the limits."""
        try:
            # Pillow's bomb warning becomes an error while the header is read.
            # catch_warnings swaps the process-wide filters (not thread-safe in
            # 3.11), so the window is kept to this parse; the limit checks below
            # are explicit and do not depend on it.
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(self.data), formats=FORMATS)
        except UnidentifiedImageError:
            raise self._error("not a recognised image format") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise self._error(
                "image too large to decode safely (fairgate's limit is "
                f"{self.limits.max_image_pixels} pixels; Pillow's bomb check: {exc})"
            ) from None
        except _DECODE_ERRORS as exc:
            raise self._error(f"corrupt image header: {describe_error(exc)}") from None
        try:
            self._check_dimensions(image.width, image.height)
        except MediaError:
            image.close()
            raise
        return image

    def _check_dimensions(self, width: int, height: int) -> None:
        limits = self.limits
        if width < 1 or height < 1:
            raise self._error(f"image has absurd dimensions {width}x{height}")
        if max(width, height) > limits.max_image_side:
            raise self._error(
                f"image is {width}x{height} px; sides over {limits.max_image_side} px are refused"
            )
        if width * height > limits.max_image_pixels:
            raise self._error(
                f"image is {width}x{height} = {width * height} pixels; the limit is "
                f"{limits.max_image_pixels}"
            )

    def _decode(self, reduced: bool) -> DecodedImage:
        image = self._open()
        width, height = image.size
        scale = self._draft(image) if reduced else 1
        if scale is None:  # Pillow picked an unexpected size: decode in full instead
            image, scale = self._open(), 1
        try:
            image.load()
            orientation = orientation_of(image)
            rgb = image if image.mode == "RGB" else image.convert("RGB")
            if orientation.transpose is not None:
                rgb = rgb.transpose(orientation.transpose)
        except _DECODE_ERRORS as exc:
            raise self._error(f"truncated or corrupt image data: {describe_error(exc)}") from None
        return _decoded(rgb, scale, (width, height), orientation)

    def _draft(self, image: ImageFile.ImageFile) -> int | None:
        """Ask libjpeg for a reduced decode; the scale it will use (1 = none)."""
        if image.format not in _JPEG_FORMATS:
            return 1
        width, height = image.size
        scale = reduction_scale(width, height, self.limits.reduced_min_side)
        if scale == 1:
            return 1
        image.draft("RGB", (width // scale, height // scale))
        if image.size != (-(-width // scale), -(-height // scale)):
            return None
        return scale


def _decoded(
    rgb: Image.Image, scale: int, stored_size: tuple[int, int], orientation: Orientation
) -> DecodedImage:
    if scale == 1:
        return DecodedImage(rgb, 1, rgb.size, (False, False))
    return DecodedImage(
        rgb,
        scale,
        orientation.displayed_size(stored_size),
        (orientation.reverses_x, orientation.reverses_y),
    )


def describe_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
