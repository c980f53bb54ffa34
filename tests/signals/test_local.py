"""ORB keypoints + RANSAC: the value format, the index, and what it catches."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tests.signals.visual_helpers import media, photo

from fairgate.errors import InvalidSignalValue
from fairgate.index.base import SignalIndex
from fairgate.settings import Settings
from fairgate.signals.local import Features, LocalFeatures, decode, encode
from fairgate.store.validation import MAX_VALUE_CHARS


def listed(signal_type: LocalFeatures, *names: str) -> SignalIndex:
    index = signal_type.make_index()
    for k, name in enumerate(names):
        (signal,) = signal_type.compute(0, media(photo(name, 512)), reference=True)
        index.add([(k + 1, signal.value)])
    return index


def query(signal_type: LocalFeatures, image: Image.Image) -> list[tuple[int, int]]:
    """Hits of the image (and of its mirror image, when screening extracts it too)."""
    signals = signal_type.compute(0, media(image), reference=False)
    expected = ["query", "query:mirror"][
        : 1 + signal_type.settings.visual_local_mirror_at_screening
    ]
    assert [s.variant for s in signals] == expected
    return [
        (h.entry_id, h.distance) for hits in INDEX.query([s.value for s in signals]) for h in hits
    ]


INDEX: SignalIndex


def test_value_round_trip_and_size() -> None:
    features = Features(
        np.array([[1, 2], [300.4, 511]], dtype=np.float32),
        np.arange(64, dtype=np.uint8).reshape(2, 32),
        ("ab" * 32,),
    )
    value = encode(features)
    back = decode(value)
    assert back.pdq == features.pdq
    assert back.points.tolist() == [[1, 2], [300, 511]]
    assert np.array_equal(back.descriptors, features.descriptors)
    settings = Settings()
    (signal,) = LocalFeatures(settings).compute(0, media(photo()), reference=True)
    listed = decode(signal.value)
    assert len(listed) == settings.visual_local_listed_features
    assert listed.mirror is not None
    assert len(listed.mirror) == settings.visual_local_listed_features
    assert encode(listed) == signal.value
    assert len(signal.value) <= MAX_VALUE_CHARS
    big = Settings(visual_local_listed_features=640)
    (signal,) = LocalFeatures(big).compute(0, media(photo("q0746", 1024)), reference=True)
    assert len(signal.value) <= MAX_VALUE_CHARS


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("pdq:abc", "must start with"),
        ("orb1:nocolon", "orb1:<pdq"),
        ("orb1::!!!!", "base64"),
        ("orb1::AAAA", "rows of 36"),
        ("orb1:zz:AAAA", "hex"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidSignalValue, match=reason):
        LocalFeatures(Settings()).validate(value)


def test_rotated_cropped_copy_is_verified_and_other_photos_are_not() -> None:
    global INDEX
    settings = Settings()
    signal_type = LocalFeatures(settings)
    INDEX = listed(signal_type, "q0746", "q0122")
    image = photo("q0746", 512)
    turned = image.rotate(15, resample=Image.BICUBIC, expand=False)
    w, h = turned.size
    disguised = turned.crop((w // 6, h // 6, w - w // 8, h - h // 8))
    hits = query(signal_type, disguised)
    assert {entry for entry, _ in hits} == {1}
    assert min(d for _, d in hits) <= (
        settings.visual_local_listed_features - settings.visual_local_min_inliers
    )
    assert query(signal_type, photo("q0291", 512)) == []


def _mirrored_crop() -> Image.Image:
    image = photo("q0746", 512).transpose(Image.FLIP_LEFT_RIGHT)
    w, h = image.size
    return image.crop((w // 10, h // 5, w, h))


def test_a_mirrored_crop_is_verified_by_the_entry_s_mirror_keypoints() -> None:
    global INDEX
    one_pass = LocalFeatures(Settings())
    INDEX = listed(one_pass, "q0746", "q0122")
    assert {entry for entry, _ in query(one_pass, _mirrored_crop())} == {1}
    # listed without mirror keypoints: found only by extracting the sent image's mirror too
    plain = LocalFeatures(Settings(visual_local_mirror=False))
    INDEX = listed(plain, "q0746", "q0122")
    assert query(plain, _mirrored_crop()) == []
    two_pass = LocalFeatures(
        Settings(visual_local_mirror=False, visual_local_mirror_at_screening=True)
    )
    INDEX = listed(two_pass, "q0746", "q0122")  # the same entries, this type's query cache
    assert {entry for entry, _ in query(two_pass, _mirrored_crop())} == {1}


def test_large_indexes_verify_only_pdq_near_misses() -> None:
    settings = Settings(visual_local_verify_all_max=0, visual_candidate_distance=60)
    signal_type = LocalFeatures(settings)
    index = listed(signal_type, "q0746", "q0122")
    from fairgate.index.local import LocalFeatureIndex

    assert isinstance(index, LocalFeatureIndex)
    near = signal_type.compute(0, media(photo("q0746", 400)), reference=False)[0]
    far = signal_type.compute(0, media(photo("q0291", 400)), reference=False)[0]
    near_features, far_features = signal_type.resolve(near.value), signal_type.resolve(far.value)
    assert near_features is not None
    assert far_features is not None
    assert [entry for entry, _ in index.candidates(near_features)] == [1]
    assert index.candidates(far_features) == []
    assert [h.entry_id for h in index.query([near.value])[0]] == [1]
    index.disable([1])
    assert index.query([near.value]) == [[]]
    assert len(index) == 1


def test_a_forgotten_query_key_matches_nothing() -> None:
    index = LocalFeatures(Settings()).make_index()
    assert index.query(["orb1q:" + "0" * 32]) == [[]]


def _grid(n: int, step: float, origin: float = 20.0) -> np.ndarray:
    xs, ys = np.meshgrid(np.arange(n), np.arange(n))
    return (np.stack([xs.ravel(), ys.ravel()], axis=1) * step + origin).astype(np.float32)


def _verified(
    settings: Settings, listed_points: np.ndarray, sent_points: np.ndarray, first: int = 0
) -> bool:
    """Does an entry with ``listed_points`` verify against a sent image holding the
    descriptors of listed keypoints ``first...`` at ``sent_points`` (and as many
    unrelated keypoints)?"""
    from fairgate.index.local import LocalFeatureIndex

    rng = np.random.default_rng(7)
    descriptors = rng.integers(0, 256, (len(listed_points), 32), dtype=np.uint8)
    other = rng.integers(0, 256, (len(listed_points), 32), dtype=np.uint8)
    entry = Features(listed_points, descriptors, ("ab" * 32,))
    spread_out = rng.random((len(listed_points), 2), dtype=np.float32) * 500
    sent = Features(
        np.concatenate([sent_points, spread_out]).astype(np.float32),
        np.concatenate([descriptors[first : first + len(sent_points)], other]),
    )
    index = LocalFeatureIndex({"key": sent}.get, settings)
    index.add([(1, encode(entry))])
    return [h.entry_id for h in index.query(["key"])[0]] == [1]


def test_keypoints_bunched_in_one_patch_do_not_verify() -> None:
    everywhere = np.concatenate([_grid(5, 100.0), _grid(5, 4.0, origin=240.0)])
    patch = everywhere[25:]  # 25 keypoints within 16 x 16 px of a 400 x 400 px span
    shifted = patch + np.float32(30.0)
    assert not _verified(Settings(), everywhere, shifted, first=25)
    assert _verified(Settings(visual_local_min_spread=0.0), everywhere, shifted, first=25)
    # the same number of keypoints spread over the image verifies
    assert _verified(Settings(), everywhere, everywhere[:25] + np.float32(30.0))


def test_a_fit_that_shrinks_the_listed_image_to_a_speck_is_refused() -> None:
    listed_points = _grid(6, 60.0)
    speck = listed_points * np.float32(0.1) + np.float32(200.0)  # 36 keypoints in 30 px
    assert not _verified(Settings(visual_local_min_spread=0.0), listed_points, speck)
    assert _verified(
        Settings(visual_local_min_spread=0.0, visual_local_max_scale=16.0), listed_points, speck
    )
    assert _verified(Settings(), listed_points, listed_points * np.float32(0.5))


def test_smooth_photos_get_keypoints_at_lower_corner_thresholds() -> None:
    from PIL import ImageFilter

    from fairgate.signals.local import extract

    smooth = photo("q0746", 512).filter(ImageFilter.GaussianBlur(6))
    strict = extract(smooth, count=256, side=512, thresholds=(10,))
    adaptive = extract(smooth, count=256, side=512, thresholds=(10, 5, 2))
    assert len(strict) < 128
    assert len(adaptive) > 2 * len(strict)
    assert len(adaptive) <= 256
    sharp = photo("q0746", 512)
    assert len(extract(sharp, count=256, side=512, thresholds=(10, 5, 2))) == len(
        extract(sharp, count=256, side=512, thresholds=(10,))
    )
