"""Turning an attachment into the RGB image OCR should see.

* EXIF orientation is applied (by :class:`MediaSource`, or here for images
  with alpha, which MediaSource would flatten by dropping the alpha);
* transparency is flattened onto white or black, whichever contrasts with
  the alpha-weighted mean luminance of the opaque pixels (black glyphs on a
  transparent sticker go onto white, white glyphs onto black);
* small images are padded with their own border colour;
* :func:`clahe` is the contrast normalisation of the retry pass;
* :func:`looks_blank` is the fast "no text here" exit.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageOps

from fairgate.errors import MediaError
from fairgate.media.orientation import orientation_of
from fairgate.media.source import _DECODE_ERRORS, FORMATS, MediaSource

_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La", "P"})


def ocr_image(media: MediaSource) -> Image.Image:
    """The attachment as RGB for OCR: oriented, transparency flattened."""
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
    except _DECODE_ERRORS as exc:
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


def contrast_range(image: Image.Image) -> int:
    """The 1st-to-99th percentile spread of luminance on a 256 px thumbnail (0..255)."""
    thumb = image.convert("L")
    thumb.thumbnail((256, 256), Image.Resampling.BILINEAR)
    low, high = np.percentile(np.asarray(thumb), [1, 99])
    return int(high - low)
