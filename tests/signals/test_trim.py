"""Border trimming and the trimmed-PDQ signal."""

from __future__ import annotations

import pytest
from PIL import Image, ImageFilter
from tests.signals.visual_helpers import distance, media, photo

from fairgate.errors import InvalidSignalValue
from fairgate.settings import Settings
from fairgate.signals.pdq import pdq_reference
from fairgate.signals.trim import PdqTrimmed, content_box, trimmed


def padded(image: Image.Image, fill: str, border: tuple[int, int, int, int]) -> Image.Image:
    left, top, right, bottom = border
    size = (image.width + left + right, image.height + top + bottom)
    if fill == "blurred":
        canvas = image.resize(size).filter(ImageFilter.GaussianBlur(12))
    else:
        canvas = Image.new("RGB", size, (255, 255, 255) if fill == "white" else (0, 0, 0))
    canvas.paste(image, (left, top))
    return canvas


@pytest.mark.parametrize("fill", ["white", "black", "blurred"])
def test_content_box_finds_the_picture_inside_padding(fill: str) -> None:
    image = photo("q2821")
    border = (40, 25, 30, 60)
    box = content_box(padded(image, fill, border))
    expected = (40, 25, 40 + image.width, 25 + image.height)
    # Within 3% of a side: a flat strip of the photo itself may go too (PDQ shrugs at that).
    slack = 0.03 * max(image.size)
    assert all(abs(a - b) <= slack for a, b in zip(box, expected, strict=True)), (box, expected)


def test_a_photo_without_borders_is_barely_trimmed() -> None:
    image = photo("q2821")
    inner = trimmed(image)
    assert inner is None or min(a / b for a, b in zip(inner.size, image.size, strict=True)) >= 0.95


def test_a_flat_image_is_left_whole() -> None:
    flat = Image.new("RGB", (200, 100), (90, 90, 90))
    assert content_box(flat) == (0, 0, 200, 100)
    assert trimmed(flat) is None


def test_trimmed_pdq_of_a_padded_photo_is_near_a_listed_hash() -> None:
    settings = Settings()
    image = photo("q2821")  # its bottom edge is a flat dark band: listed trimmed too
    signal_type = PdqTrimmed(settings)
    listed = [pdq_reference(image, dihedral=False).hashes[0]]
    listed += [s.value for s in signal_type.compute(0, media(image), reference=True)]
    assert len(listed) == 2
    sent = padded(image, "white", (60, 60, 60, 60))
    signals = signal_type.compute(0, media(sent), reference=False)
    assert [s.variant for s in signals][:2] == ["trim:original", "trim:rotate90"]
    assert {s.signal_type for s in signals} == {"pdq"}
    assert min(distance(signals[0].value, h) for h in listed) <= 24
    untrimmed = pdq_reference(sent, dihedral=False).hashes[0]
    assert min(distance(untrimmed, h) for h in listed) > 31


def test_trimmed_pdq_values_are_not_entered_by_hand() -> None:
    signal_type = PdqTrimmed(Settings())
    assert (
        signal_type.compute(0, media(photo("q2821").crop((0, 0, 384, 300))), reference=True) == []
    )
    with pytest.raises(InvalidSignalValue, match="pdq entries"):
        signal_type.validate("0" * 64)
