"""Turning an attachment into the RGB image OCR should see.

* EXIF orientation is applied (by :class:`MediaSource`, or here for images
  with alpha, which MediaSource would flatten by dropping the alpha);
* transparency is flattened onto white or black, whichever contrasts with
  the alpha-weighted mean luminance of the opaque pixels (black glyphs on a
  transparent sticker go onto white, white glyphs onto black);
* small images are padded with their own border colour;
* :func:`clahe` is the contrast normalisation of the retry pass;
* :func:`looks_blank` and :func:`has_sharp_edges` are the fast "no text here"
  exits.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image, ImageOps

from fairgate.errors import MediaError
from fairgate.media.frames import FrameSource
from fairgate.media.orientation import orientation_of
from fairgate.media.source import DECODE_ERRORS, FORMATS, MediaSource

_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La", "P"})


def ocr_image(media: MediaSource) -> Image.Image:
    """The attachment (or a later frame of it) as RGB for OCR: oriented, transparency
    flattened."""
    if isinstance(media, FrameSource):
        return media.image() if media.rgba is None else flatten(media.rgba)
    header = media.header()  # limits are checked here, before any pixel is decoded
    if header.mode not in _ALPHA_MODES:
        return media.image()
    try:
        with Image.open(io.BytesIO(media.data), formats=FORMATS) as opened:
            opened.load()
            if opened.mode == "P" and "transparency" not in opened.info:
                return media.image()
            orientation = orientation_of(opened)
            rgba = opened.convert("RGBA")
            if orientation.transpose is not None:
                rgba = rgba.transpose(orientation.transpose)
    except DECODE_ERRORS as exc:
        raise MediaError(f"truncated or corrupt image data: {exc}", source=media.name) from None
    return flatten(rgba)


def flatten(rgba: Image.Image) -> Image.Image:
    """Composite ``rgba`` onto the background (white or black) that contrasts with it."""
    array = np.asarray(rgba.convert("RGBA"), dtype=np.float32)
    alpha = array[:, :, 3] / 255.0
    if float(alpha.min()) >= 1.0:
        return rgba.convert("RGB")
    luma = array[:, :, 0] * 0.299 + array[:, :, 1] * 0.587 + array[:, :, 2] * 0.114
    weight = float(alpha.sum())
    mean = float((luma * alpha).sum() / weight) if weight > 0 else 0.0
    background = 0.0 if mean >= 128 else 255.0
    rgb = array[:, :, :3] * alpha[:, :, None] + background * (1.0 - alpha[:, :, None])
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")


def pad(image: Image.Image, min_side: int) -> Image.Image:
    """Pad an image whose shorter side is under ``min_side`` (a tight word crop
    gives the detector no margin), with the median colour of its border."""
    width, height = image.size
    if min(width, height) >= min_side:
        return image
    array = np.asarray(image)
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    colour = tuple(int(v) for v in np.median(border, axis=0))
    margin = max(8, (min_side - min(width, height) + 1) // 2, min(width, height) // 2)
    return ImageOps.expand(image, border=margin, fill=colour)


def clahe(image: Image.Image, clip_limit: float = 4.0, tile: int = 8) -> Image.Image:
    """CLAHE on the L channel of Lab: lifts grey-on-grey text to readable contrast."""
    lab = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2LAB)
    equaliser = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tile, tile))
    lab[:, :, 0] = equaliser.apply(lab[:, :, 0])
    return Image.fromarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), "RGB")


def looks_blank(image: Image.Image, edge_fraction: float) -> bool:
    """True if a 256 px grey thumbnail has (almost) no edges at all.

    Catches flat, gradient and smooth images (~1-3 ms), not textless photos:
    those reach the detector, whose empty result is the exit.
    """
    thumb = image.convert("L")
    thumb.thumbnail((256, 256), Image.Resampling.BILINEAR)
    grey = np.asarray(thumb, dtype=np.int16)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return False
    dx = np.abs(np.diff(grey, axis=1))
    dy = np.abs(np.diff(grey, axis=0))
    edges = int((dx >= 2).sum()) + int((dy >= 2).sum())
    return edges < edge_fraction * grey.size


SHARP_EDGE_MAX_SIDE = 1920
"""Larger images are reduced (area averaging) to this longer side for the check."""
SHARP_EDGE_BLOCK = 32
"""Sharp edge pixels are counted per block of this many pixels square."""


def sharp_edge_pixels(image: Image.Image, step: int) -> int:
    """The most sharp edge pixels in any 32x32 block: pixels whose 4-neighbour
    Laplacian of luminance is at least ``step`` (0..255).

    Rendered text, faint text included, is made of step edges packed close
    together. Measured at ``step`` 8 (``tests/ocr``, ``docs/ocr.md``): a block
    of 32 px glyphs only 6 grey levels off their background holds 25-45 such
    pixels (PNG, JPEG quality 75 or 90), 16 px glyphs as faint 25-52, #808080
    on #8a8a8a 100-250, black 12 px text on white about 200. Smooth content
    (gradients, blurred or out-of-focus textures, flat colour) holds none, and
    JPEG noise on it a few scattered ones (at most 7 in a block of the
    synthetic textured photo at quality 75): its second derivative is near
    zero. Counting per block, not over the image, keeps a photo's scattered
    JPEG noise from adding up. About 5-10 ms on a 1280x720 photo."""
    grey = np.asarray(image.convert("L"))
    side = max(grey.shape)
    if side > SHARP_EDGE_MAX_SIDE:
        scale = SHARP_EDGE_MAX_SIDE / side
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    laplacian = cv2.Laplacian(grey, cv2.CV_16S, ksize=1)
    sharp = (np.abs(laplacian) >= step).astype(np.float32)
    height, width = sharp.shape
    block = SHARP_EDGE_BLOCK
    blocks = (max(1, width // block), max(1, height // block))
    means = cv2.resize(sharp, blocks, interpolation=cv2.INTER_AREA)
    per_block: float = float(width * height) / (blocks[0] * blocks[1])
    return round(float(means.max()) * per_block)


def has_sharp_edges(image: Image.Image, step: int, min_pixels: int) -> bool:
    """Whether some 32x32 block of the image holds at least ``min_pixels`` sharp
    edge pixels (:func:`sharp_edge_pixels`): without them there is no text to read."""
    return min_pixels <= 0 or sharp_edge_pixels(image, step) >= min_pixels


def contrast_range(image: Image.Image) -> int:
    """The 1st-to-99th percentile spread of luminance on a 256 px thumbnail (0..255)."""
    thumb = image.convert("L")
    thumb.thumbnail((256, 256), Image.Resampling.BILINEAR)
    low, high = np.percentile(np.asarray(thumb), [1, 99])
    return int(high - low)


def line_crop(
    image: Image.Image, box: Sequence[tuple[float, float]], max_contrast: int
) -> tuple[Image.Image, tuple[int, int]] | None:
    """A contrast-stretched crop around a low-contrast line, and its top-left offset.

    None if the line's core (middle 40% of its height, inner 90% of its width)
    has a luminance spread (p2..p98) above ``max_contrast``: it is readable as is.
    The stretch maps the core's p2..p98 onto 0..255 (pixels far outside that
    range, the photo around a patch, become the core's median first); the crop
    reaches 1.5 line heights left and right (detector boxes of faint text are
    often cut short) and is padded so the detector sees a margin.
    """
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    width, height = x1 - x0, y1 - y0
    if width < 8 or height < 8:  # nothing readable is this small
        return None
    core = image.crop(
        (
            int(x0 + width * 0.05),
            int(y0 + height * 0.3),
            int(x1 - width * 0.05) + 1,
            int(y1 - height * 0.3) + 1,
        )
    )
    low, high = (float(v) for v in np.percentile(np.asarray(core.convert("L")), [2, 98]))
    if high - low > max_contrast:
        return None
    mx, my = int(height * 1.5) + 4, int(height * 0.3) + 4
    left, top = max(0, int(x0) - mx), max(0, int(y0) - my)
    crop = image.crop((left, top, min(image.width, int(x1) + mx), min(image.height, int(y1) + my)))
    grey = np.asarray(crop.convert("L"), dtype=np.float32)
    # pixels far outside the line's own range are the photo around the patch:
    # they become the patch's median so their edges cannot pass for glyphs
    spread = max(high - low, 1.0)
    outside = (grey < low - spread) | (grey > high + spread)
    grey[outside] = float(np.median(np.asarray(core.convert("L"))))
    stretched = np.clip((grey - low) * 255.0 / spread, 0, 255).astype(np.uint8)
    out = Image.fromarray(stretched, "L").convert("RGB")
    border = 16
    fill = tuple(int(v) for v in np.median(np.asarray(out)[0], axis=0))
    return ImageOps.expand(out, border=border, fill=fill), (left - border, top - border)
