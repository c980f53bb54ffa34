"""Thumbnail cross-correlation (ncc): the value format, the index, and what it catches."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps
from tests.signals.visual_helpers import media, photo

from fairgate.errors import InvalidSignalValue
from fairgate.index.base import SignalIndex
from fairgate.settings import Settings
from fairgate.signals.dense import DenseThumbnail, Thumbnail, decode, encode
from fairgate.signals.registry import builtin_signal_types
from fairgate.store.validation import MAX_VALUE_CHARS

NAMES = ("q0746", "q0122", "q0291", "q0003", "q0004", "q1050", "q2821")


def smooth(name: str = "q0746", side: int = 512) -> Image.Image:
    """A photo blurred until ORB finds few corners in it: what this signal is for."""
    return photo(name, side).filter(ImageFilter.GaussianBlur(8))


def listed(signal_type: DenseThumbnail, *images: Image.Image) -> SignalIndex:
    index = signal_type.make_index()
    for k, image in enumerate(images):
        (signal,) = signal_type.compute(0, media(image), reference=True)
        index.add([(k + 1, signal.value)])
    return index


def hits(signal_type: DenseThumbnail, index: SignalIndex, image: Image.Image) -> list[int]:
    (signal,) = signal_type.compute(0, media(image), reference=False)
    assert signal.variant == "query"
    return [h.entry_id for h in index.query([signal.value])[0]]


def crop(image: Image.Image, cut: float, dx: float = 0.5, dy: float = 0.5) -> Image.Image:
    """``cut`` of each side's length removed, the window at relative offset dx, dy."""
    w, h = image.size
    cw, ch = round(w * (1 - cut)), round(h * (1 - cut))
    x, y = round((w - cw) * dx), round((h - ch) * dy)
    return image.crop((x, y, x + cw, y + ch))


def test_value_round_trip_and_size() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    value = encode(Thumbnail(pixels, ("ab" * 32,)))
    assert value.startswith("ncc1:" + "ab" * 32 + ":4x3:")
    back = decode(value)
    assert back.pdq == ("ab" * 32,)
    assert np.array_equal(back.pixels, pixels)
    settings = Settings()
    (signal,) = DenseThumbnail(settings).compute(0, media(photo("q0746", 512)), reference=True)
    thumb = decode(signal.value)
    assert max(thumb.pixels.shape) == settings.visual_dense_side
    assert len(signal.value) <= MAX_VALUE_CHARS
    assert DenseThumbnail(settings).validate(signal.value) == signal.value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("pdq:abc", "must start with"),
        ("ncc1:nocolon", "ncc1:<pdq"),
        ("ncc1::4by3:AAAA", "width"),
        ("ncc1::2x2:!!!!", "base64"),
        ("ncc1::2x2:AAAA", "needs 4"),
        ("ncc1:zz:1x3:AAAA", "hex"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidSignalValue, match=reason):
        DenseThumbnail(Settings()).validate(value)


def test_a_thumbnail_larger_than_screening_compares_is_refused() -> None:
    big = encode(Thumbnail(np.zeros((10, 200), np.uint8)))
    with pytest.raises(InvalidSignalValue, match="larger than 128"):
        DenseThumbnail(Settings()).validate(big)


def test_a_flat_image_gets_no_entry() -> None:
    flat = Image.new("RGB", (300, 200), (120, 130, 140))
    assert DenseThumbnail(Settings()).compute(0, media(flat), reference=True) == []


def test_crops_and_pads_of_a_smooth_photo_match_and_other_photos_do_not() -> None:
    signal_type = DenseThumbnail(Settings())
    index = listed(signal_type, smooth("q0746"), smooth("q0122"))
    image = smooth("q0746")
    assert hits(signal_type, index, crop(image, 0.4, 0.2, 0.7)) == [1]  # 36% of the photo
    assert hits(signal_type, index, crop(image, 0.1, 1.0, 0.0)) == [1]
    assert hits(signal_type, index, ImageOps.expand(image, 80, fill="white")) == [1]
    framed = Image.new("RGB", (image.width + 40, image.height * 3 // 2), (20, 20, 22))
    framed.paste(image, (20, image.height // 6))
    assert hits(signal_type, index, framed) == [1]
    assert hits(signal_type, index, smooth("q0291")) == []
    assert hits(signal_type, index, crop(smooth("q0291"), 0.4)) == []


def test_a_turned_copy_is_left_to_local_features() -> None:
    signal_type = DenseThumbnail(Settings())
    index = listed(signal_type, photo("q0746", 512))
    turned = photo("q0746", 512).rotate(15, resample=Image.Resampling.BICUBIC)
    assert hits(signal_type, index, crop(turned, 0.3)) == []


def test_thresholds_decide() -> None:
    image = smooth("q0746")
    strict = DenseThumbnail(Settings(visual_dense_min_part=1.0, visual_dense_min_whole=1.0))
    index = listed(strict, image)
    assert hits(strict, index, crop(image, 0.4, 0.2, 0.7)) == []
    one_size = DenseThumbnail(Settings(visual_dense_scales=(1.0,)))
    index = listed(one_size, image)
    assert hits(one_size, index, image) == [1]
    assert hits(one_size, index, crop(image, 0.4, 0.2, 0.7)) == []


def test_large_indexes_compare_only_pdq_near_misses() -> None:
    from fairgate.index.dense import DenseIndex

    settings = Settings(visual_dense_verify_all_max=0, visual_candidate_distance=60)
    signal_type = DenseThumbnail(settings)
    index = listed(signal_type, photo("q0746", 512), photo("q0122", 512))
    assert isinstance(index, DenseIndex)
    near = signal_type.compute(0, media(photo("q0746", 400)), reference=False)[0]
    far = signal_type.compute(0, media(photo("q0291", 400)), reference=False)[0]
    near_thumb, far_thumb = signal_type.resolve(near.value), signal_type.resolve(far.value)
    assert near_thumb is not None
    assert far_thumb is not None
    assert [entry for entry, _ in index.candidates(near_thumb)] == [1]
    assert index.candidates(far_thumb) == []
    assert [h.entry_id for h in index.query([near.value])[0]] == [1]
    index.disable([1])
    assert index.query([near.value]) == [[]]
    assert len(index) == 1


def test_a_thin_strip_is_listed_and_screened_without_matching() -> None:
    rng = np.random.default_rng(3)
    strip = Image.fromarray(rng.integers(0, 256, (6, 900, 3), dtype=np.uint8))
    signal_type = DenseThumbnail(Settings())
    index = listed(signal_type, strip, smooth("q0746"))
    assert hits(signal_type, index, strip) == []
    assert hits(signal_type, index, smooth("q0746")) == [2]


def test_compared_entries_keep_their_windows_within_a_bound_and_a_new_value_replaces() -> None:
    from fairgate.index.dense import DenseIndex

    # above verify-all: one candidate per sent image (the nearest PDQ), 4 kept
    settings = Settings(
        visual_dense_verify_all_max=0, visual_max_verify=1, visual_candidate_distance=256
    )
    signal_type = DenseThumbnail(settings)
    images = [smooth(name) for name in NAMES]
    index = listed(signal_type, *images)
    assert isinstance(index, DenseIndex)
    for k, image in enumerate(images):
        assert hits(signal_type, index, image) == [k + 1]
    assert len(index._pyramids) == 4
    (replacement,) = signal_type.compute(0, media(images[1]), reference=True)
    index.add([(1, replacement.value)])
    assert hits(signal_type, index, images[0]) == []
    assert hits(signal_type, index, images[1]) == [1]  # the same PDQ as entry 2: lower id first


def test_a_forgotten_query_key_matches_nothing() -> None:
    index = DenseThumbnail(Settings()).make_index()
    index.add([(1, encode(Thumbnail(np.arange(64 * 48, dtype=np.uint8).reshape(48, 64))))])
    assert index.query(["ncc1q:" + "0" * 32]) == [[]]


def test_the_setting_adds_the_type_before_local_features() -> None:
    assert list(builtin_signal_types(Settings()))[-2:] == ["ncc", "orb"]
    assert "ncc" not in builtin_signal_types(Settings(visual_dense=False))
