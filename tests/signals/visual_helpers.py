"""Real photos for the visual-signal tests (the labelme photos of shared pdq-reference)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tests.conftest import PDQ_IMAGES

from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings

LABELME = PDQ_IMAGES / "reg-test-input" / "labelme-subset"


def photo(name: str = "q0746", side: int = 384) -> Image.Image:
    path = LABELME / f"{name}.jpg"
    if not path.is_file():
        pytest.skip(f"shared test data missing: {path}")
    image = Image.open(path).convert("RGB")
    factor = side / max(image.size)
    return image.resize((round(image.width * factor), round(image.height * factor)))


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def media(image: Image.Image, settings: Settings | None = None) -> MediaSource:
    return MediaSource(jpeg(image), limits=MediaLimits.from_settings(settings or Settings()))


def distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
