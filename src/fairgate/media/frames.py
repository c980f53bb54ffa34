"""The later frames of an animated image (GIF, APNG, animated WebP), decoded in order
within budgets.

Frame 0 is the attachment's own decode (:class:`MediaSource`, as for a still
image). Frames 1, 2, ... are decoded one after the other through Pillow's
``seek`` - never all at once - until one of these stops it:

* ``max_frames`` frames are in hand (``media_max_frames``);
* the next frame's pixels would take the sum over the decoded frames (frame 0
  included) past ``pixel_budget`` (``media_max_frame_pixels``): thousands of
  frames or huge ones cannot take memory or time without bound;
* a frame breaks the size limits or does not decode (truncated, corrupt).

What was decoded until then is screened; :attr:`Frames.skipped` says why the
rest was not. It is the *first* N frames, not N spread over the animation:
each frame is drawn over the ones before it, so frame k can only be had by
decoding frames 0..k-1, and frames spread over a 5,000-frame GIF would cost
decoding all of it.

Each decoded frame is kept (RGB; also RGBA when it has transparency, for
OCR) until the screen call ends, so the memory held is bounded by the pixel
budget. Frame counts: APNG and WebP declare theirs (read for free); a GIF's
is left unknown, as counting means walking every frame header (measured: 4 s
for the 1.3 million frames that fit in 32 MB).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from PIL import Image

from fairgate.errors import MediaError
from fairgate.media.orientation import orientation_of
from fairgate.media.source import (
    DECODE_ERRORS,
    DecodedImage,
    ImageHeader,
    MediaSource,
    describe_error,
)

ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP"})
"""Formats whose later frames are screened (multi-page TIFF and MPO: first image only)."""


class FrameSource(MediaSource):
    """Frame ``index`` (>= 1) of an animated attachment, already decoded.

    Signal types take it as they take the attachment: ``image()`` and
    ``decoded()`` give the frame (RGB, EXIF orientation applied), ``key`` is
    its own; ``data`` stays the file's bytes (exact hashes are of the file).
    """

    def __init__(self, parent: MediaSource, index: int, frame: Image.Image) -> None:
        super().__init__(parent.data, name=parent.name, limits=parent.limits)
        self.frame = index
        rgb = frame if frame.mode == "RGB" else frame.convert("RGB")
        self._rgb = rgb
        self.rgba: Image.Image | None = frame if _has_transparency(frame) else None
        """The frame with its transparency (for OCR, which flattens it); None if opaque."""
        self._key = hashlib.sha256(f"{parent.key}:frame:{index}".encode()).hexdigest()
        self._header = ImageHeader(parent.header().format, rgb.width, rgb.height, frame.mode)

    def decoded(self, *, reduced: bool = False) -> DecodedImage:
        """The frame in full (frames are never reduced-size decodes)."""
        return DecodedImage(self._rgb, 1, self._rgb.size, (False, False))


@dataclass(frozen=True, slots=True)
class Frames:
    """The frames of one attachment that a screening looks at."""

    sources: tuple[MediaSource, ...]
    """``sources[0]`` is the attachment itself (its first frame), ``sources[k]`` frame k."""
    total: int | None = 1
    """Frames in the file: 1 for a still image; None when only "more than were
    decoded" is known (a GIF's frames are not counted)."""
    skipped: str | None = None
    """Why the frames after ``sources`` were not screened; None when none is left."""

    @property
    def animated(self) -> bool:
        return self.total != 1 or len(self.sources) > 1


def decode_frames(media: MediaSource, *, max_frames: int, pixel_budget: int) -> Frames:
    """Frame 0 (``media`` itself) and the later frames, decoded within the budgets.

    A still image costs one header read. Failing to decode a later frame is not
    an error (it is said in ``skipped``); a first frame that cannot be decoded
    is the ``MediaError`` of the attachment itself, raised by its own decode.
    """
    if media.header().format not in ANIMATED_FORMATS:
        return Frames((media,))
    try:
        image = media.opened()
    except MediaError:
        return Frames((media,))
    with image:
        try:
            if not getattr(image, "is_animated", False):
                return Frames((media,))
            declared = None if image.format == "GIF" else getattr(image, "n_frames", None)
            total = declared if isinstance(declared, int) else None
        except DECODE_ERRORS:
            return Frames((media,), None, "the frames after the first could not be read")
        orientation = orientation_of(image)
        sources: list[MediaSource] = [media]
        used = image.width * image.height
        skipped: str | None = None
        while True:
            k = len(sources)
            try:
                image.seek(k)
            except EOFError:  # no frame k: every frame was decoded
                total = total or k
                break
            except DECODE_ERRORS as exc:
                skipped = f"frame {k} could not be decoded ({describe_error(exc)})"
                break
            if k >= max_frames:
                skipped = f"media_max_frames is {max_frames}"
                break
            width, height = image.size
            if used + width * height > pixel_budget:
                skipped = (
                    f"frame {k} would take the decoded frames past media_max_frame_pixels "
                    f"({pixel_budget} pixels)"
                )
                break
            try:
                media.check_dimensions(width, height)
                image.load()
                frame = image.convert("RGBA" if _has_alpha(image) else "RGB")
            except MediaError as exc:
                skipped = f"frame {k} is refused: {exc.reason}"
                break
            except DECODE_ERRORS as exc:
                skipped = f"frame {k} could not be decoded ({describe_error(exc)})"
                break
            if orientation.transpose is not None:
                frame = frame.transpose(orientation.transpose)
            used += width * height
            sources.append(FrameSource(media, k, frame))
        if total is not None and skipped is None and len(sources) < total:
            skipped = f"the file declares {total} frames but holds only {len(sources)}"
            total = len(sources)
        return Frames(tuple(sources), total, skipped)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _has_transparency(frame: Image.Image) -> bool:
    if frame.mode != "RGBA":
        return False
    low = frame.getchannel("A").getextrema()[0]
    return isinstance(low, int | float) and low < 255
