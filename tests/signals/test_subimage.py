"""Tile hashes (sent collages) and crop-window entries (sent crops)."""

from __future__ import annotations

import pytest
from PIL import Image
from tests.signals.visual_helpers import distance, media, photo

from fairgate.settings import Settings
from fairgate.signals.pdq import VARIANTS, pdq_reference
from fairgate.signals.subimage import CROP_SCALES, PdqCrops, PdqTiles, box_pdq, windows


@pytest.mark.parametrize("name", ["q2821", "q0291", "q0746"])
def test_box_pdq_is_near_the_reference_pdq_for_every_variant(name: str) -> None:
    # Not on every photo: q0122 (a big flat sky) is 40 bits off (docs/visual.md).
    image = photo(name)
    exact = pdq_reference(image, dihedral=True)
    approx, quality = box_pdq(image, dihedral=True)
    assert len(approx) == len(VARIANTS)
    for variant, a, b in zip(VARIANTS, approx, exact.hashes, strict=True):
        assert distance(a, b) <= 16, variant
    assert abs(quality - exact.quality) <= 10


def test_a_tile_of_a_collage_matches_the_original() -> None:
    image = photo()
    original = pdq_reference(image, dihedral=False).hashes[0]
    collage = Image.new("RGB", (image.width * 3, image.height))
    other = photo("q0291").resize(image.size)
    collage.paste(other, (0, 0))
    collage.paste(image, (image.width, 0))
    collage.paste(other, (2 * image.width, 0))
    signals = PdqTiles(Settings()).compute(0, media(collage), reference=False)
    by_variant = {s.variant: s.value for s in signals}
    assert distance(by_variant["tile:3x1:1"], original) <= 24
    assert distance(pdq_reference(collage, dihedral=False).hashes[0], original) > 64
    assert distance(by_variant["tile:3x1:1:mirror"], original) > 64  # mirrored: another hash


def test_crop_windows_are_listed_as_pdq_entries() -> None:
    image = photo()
    settings = Settings()
    entries = PdqCrops(settings).compute(0, media(image), reference=True)
    assert 0 < len(entries) <= len(windows(image.size, CROP_SCALES))
    assert {s.signal_type for s in entries} == {"pdq"}
    assert {s.variant for s in entries} == {"original"}  # listed like the image's own hash
    w, h = image.size
    crop = image.crop((w - round(w * 0.6), 0, w, round(h * 0.6)))  # the top-right window
    sent = pdq_reference(crop, dihedral=False).hashes[0]
    assert min(distance(sent, e.value) for e in entries) <= 8
    assert distance(sent, pdq_reference(image, dihedral=False).hashes[0]) > 31
    assert PdqCrops(settings).compute(0, media(image), reference=False) == []
