"""Helpers for the signal tests (import as tests.signals.pdq_helpers;
the shared PDQ reference data, and small image makers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings

PDQ_REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pdq-reference"


def pdq_reference_dir() -> Path:
    """The shared pdq-reference folder, or skip the test with the reason."""
    if not (PDQ_REFERENCE / "expected" / "expected_pdq_hashes.csv").exists():
        pytest.skip(f"shared PDQ reference data not found at {PDQ_REFERENCE.resolve()}")
    return PDQ_REFERENCE


def reference_image(relative: str) -> Path:
    """A file under pdq-reference/images/ (skips if the shared data is absent)."""
    return pdq_reference_dir() / "images" / relative


def expected_rows(filename: str = "expected_pdq_hashes.csv") -> list[dict[str, str]]:
    with open(pdq_reference_dir() / "expected" / filename, newline="") as fh:
        return list(csv.DictReader(fh))


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def media(data: bytes, settings: Settings | None = None, **limits: int) -> MediaSource:
    base = MediaLimits.from_settings(settings or Settings())
    if limits:
        base = MediaLimits(
            max_file_bytes=limits.get("max_file_bytes", base.max_file_bytes),
            max_image_pixels=limits.get("max_image_pixels", base.max_image_pixels),
            max_image_side=limits.get("max_image_side", base.max_image_side),
            reduced_min_side=limits.get("reduced_min_side", base.reduced_min_side),
        )
    return MediaSource(data, name="test", limits=base)


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def photo_like(width: int, height: int, seed: int = 7) -> Image.Image:
    """A deterministic RGB texture with detail at several scales (PDQ quality 100)."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width, 3), dtype=np.float32)
    for cells, weight in ((3, 120.0), (9, 60.0), (27, 30.0), (81, 15.0)):
        noise = rng.random((cells, cells, 3)).astype(np.float32)
        small = Image.fromarray((noise * 255).astype(np.uint8), "RGB")
        canvas += np.asarray(small.resize((width, height), Image.Resampling.BICUBIC)) / 255 * weight
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
