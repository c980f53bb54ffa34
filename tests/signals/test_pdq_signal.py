"""The PDQ signal type: robustness of matching, variants, checks, validation."""

from __future__ import annotations

import functools
import io

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageOps
from tests.signals.pdq_helpers import encode, hamming, media, photo_like, reference_image

from fairgate.errors import InvalidSignalValue, MediaError
from fairgate.index.base import SignalIndex
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.signals.pdq import VARIANTS, Pdq, pdq_fast, pdq_reference
from fairgate.types import Note, Signal

BRIDGE = "reg-test-input/dih/bridge-1-original.jpg"
PHOTO_12MP = "reg-test-input/exif-rotn/exif-rotn-1.jpg"

# Sending the image after this transform is undone by this variant.
UNDONE_BY = {
    Image.Transpose.FLIP_LEFT_RIGHT: "flip_vertical",
    Image.Transpose.FLIP_TOP_BOTTOM: "flip_horizontal",
    Image.Transpose.ROTATE_90: "rotate270",
    Image.Transpose.ROTATE_180: "rotate180",
    Image.Transpose.ROTATE_270: "rotate90",
    Image.Transpose.TRANSPOSE: "flip_plus1",
    Image.Transpose.TRANSVERSE: "flip_minus1",
}


def listed_hash(data: bytes, settings: Settings) -> str:
    """What a list entry stores: the reference path's original hash."""
    return _listed_hash(data, settings.model_dump_json())


@functools.cache
def _listed_hash(data: bytes, settings_json: str) -> str:
    settings = Settings.model_validate_json(settings_json)
    return Pdq(settings).hash_media(media(data), reference=True).hashes[0]


def screened(data: bytes, settings: Settings) -> dict[str, str]:
    return Pdq(settings).hash_media(media(data), reference=False).variants


def pytx_hash(data: bytes) -> str:
    vector, _ = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()


@pytest.fixture(scope="module")
def bridge() -> bytes:
    return reference_image(BRIDGE).read_bytes()


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    """A 2736x2052 photo-like JPEG: the screening path decodes it at 1/4."""
    return encode(photo_like(2736, 2052), quality=90)


# -- matching robustness ----------------------------------------------------------
@pytest.mark.parametrize("transpose", list(UNDONE_BY), ids=lambda t: t.name)
@pytest.mark.parametrize("source", ["bridge", "big_photo"])
def test_rotated_and_mirrored_copies_match_through_their_variant(
    transpose: Image.Transpose, source: str, settings: Settings, request: pytest.FixtureRequest
) -> None:
    original: bytes = request.getfixturevalue(source)
    sent = encode(Image.open(io.BytesIO(original)).transpose(transpose), quality=90)
    listed = listed_hash(original, settings)
    distances = {v: hamming(h, listed) for v, h in screened(sent, settings).items()}
    assert distances[UNDONE_BY[transpose]] <= 4, distances
    assert min(distances, key=lambda v: distances[v]) == UNDONE_BY[transpose]
    assert distances["original"] > settings.pdq_match_distance


def edits(data: bytes) -> dict[str, bytes]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return {
        "jpeg-q50": encode(image, quality=50),
        "half-size": encode(image.resize((image.width // 2, image.height // 2)), quality=90),
        "greyscale": encode(ImageOps.grayscale(image), quality=90),
    }


@pytest.mark.parametrize("edit", ["jpeg-q50", "half-size", "greyscale"])
@pytest.mark.parametrize("source", ["bridge", "big_photo"])
def test_common_edits_stay_within_the_match_distance(
    edit: str, source: str, settings: Settings, request: pytest.FixtureRequest
) -> None:
    original: bytes = request.getfixturevalue(source)
    listed = listed_hash(original, settings)
    distance = hamming(screened(edits(original)[edit], settings)["original"], listed)
    assert distance <= settings.pdq_match_distance


def test_unrelated_images_are_far_apart(
    bridge: bytes, big_photo: bytes, settings: Settings
) -> None:
    others = [
        big_photo,
        reference_image("reg-test-input/labelme-subset/q1050.jpg").read_bytes(),
        reference_image("misc-images/c.png").read_bytes(),
    ]
    listed = listed_hash(bridge, settings)
    for other in others:
        nearest = min(hamming(h, listed) for h in screened(other, settings).values())
        assert nearest > 2 * settings.pdq_match_distance


# -- the two paths -------------------------------------------------------------------------
def test_reference_path_is_pytx_on_images_without_exif(
    big_photo: bytes, settings: Settings
) -> None:
    result = Pdq(settings).hash_media(media(big_photo), reference=True)
    assert result.hashes[0] == pytx_hash(big_photo)
    assert result.quality >= 80


def test_screening_path_on_a_reduced_decode_is_near_the_reference(
    big_photo: bytes, settings: Settings
) -> None:
    source = media(big_photo)
    assert source.decoded(reduced=True).scale == 4
    fast = Pdq(settings).hash_media(source, reference=False)
    ref = Pdq(settings).hash_media(source, reference=True)
    assert max(hamming(a, b) for a, b in zip(fast.hashes, ref.hashes, strict=True)) <= 2


def test_fast_decode_off_makes_screening_use_the_reference_path(
    big_photo: bytes, settings: Settings
) -> None:
    exact = settings.model_copy(update={"pdq_fast_decode": False})
    screening = Pdq(exact).hash_media(media(big_photo), reference=False)
    assert screening == Pdq(exact).hash_media(media(big_photo), reference=True)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_on_both_paths(orientation: int, settings: Settings) -> None:
    """Odd sizes leave partial blocks at the stored origin's far end: after an EXIF
    flip the reduced decode's blocks must be aligned from the other side."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(photo_like(1107, 1049, seed=orientation), quality=92, exif=exif)
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    vector, _ = pdqhash.compute(np.asarray(upright))
    truth = np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex()
    source = media(data)
    assert source.decoded(reduced=True).scale == 2
    ref = Pdq(settings).hash_media(source, reference=True)
    fast = Pdq(settings).hash_media(source, reference=False)
    assert ref.hashes[0] == truth
    assert max(hamming(a, b) for a, b in zip(fast.hashes, ref.hashes, strict=True)) <= 2


# -- signals, checks, validation ---------------------------------------------------------
def test_compute_gives_eight_variants_with_one_quality(bridge: bytes, settings: Settings) -> None:
    signals = Pdq(settings).compute(3, media(bridge), reference=False)
    assert [s.variant for s in signals] == list(VARIANTS)
    assert {(s.signal_type, s.attachment, s.quality) for s in signals} == {("pdq", 3, 100)}
    assert len({s.value for s in signals}) == 8
    assert all(Pdq(settings).validate(s.value) == s.value for s in signals)


def test_compute_gives_the_original_only_without_dihedral(bridge: bytes) -> None:
    settings = Settings(pdq_dihedral=False)
    for reference in (True, False):
        signals = Pdq(settings).compute(0, media(bridge), reference=reference)
        assert [s.variant for s in signals] == ["original"]


def test_flat_and_tiny_images_have_low_quality(settings: Settings) -> None:
    flat = encode(Image.new("RGB", (300, 200), (120, 120, 120)), "PNG")
    tiny = encode(photo_like(4, 40), "PNG")
    for data in (flat, tiny):
        for reference in (True, False):
            result = Pdq(settings).hash_media(media(data), reference=reference)
            assert result.quality < settings.pdq_quality_floor
    assert Pdq(settings).hash_media(media(tiny), reference=False).hashes[0] == "0" * 64
    assert pytx_hash(tiny) == "0" * 64


def test_check_notes_quality_under_the_floor(settings: Settings) -> None:
    pdq = Pdq(Settings(pdq_quality_floor=70))
    low = Signal("pdq", "a" * 64, 2, quality=69, variant="rotate90")
    note = pdq.check(low)
    assert isinstance(note, Note)
    assert note.code == "pdq_low_quality"
    assert note.source == "attachment:2"
    assert "69" in note.detail
    assert "70" in note.detail
    assert pdq.check(Signal("pdq", "a" * 64, 2, quality=70)) is None
    assert pdq.check(Signal("pdq", "a" * 64, 2, quality=None)) is None
    assert Pdq(settings).check(low) is None  # default floor 50


def test_check_gives_one_equal_note_for_all_variants_of_a_flat_image(settings: Settings) -> None:
    flat = encode(Image.new("RGB", (300, 200), (30, 60, 90)), "PNG")
    pdq = Pdq(settings)
    notes = {pdq.check(s) for s in pdq.compute(0, media(flat), reference=False)}
    assert len(notes) == 1
    assert None not in notes


def test_validate_accepts_any_case_and_surrounding_whitespace(settings: Settings) -> None:
    value = "F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22"
    assert Pdq(settings).validate(f"  {value}\n") == value.lower()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("f" * 63, "64 hex characters, got 63"),
        ("f" * 65, "got 65"),
        ("", "empty"),
        ("   ", "empty"),
        ("g" + "f" * 63, "non-hex character 'g' at position 0"),
        ("0x" + "f" * 62, "non-hex character 'x' at position 1"),
        ("f" * 32 + " " + "f" * 31, "non-hex character ' '"),
        (12345, "must be a string"),
    ],
)
def test_validate_rejects_with_a_precise_reason(
    value: str, reason: str, settings: Settings
) -> None:
    with pytest.raises(InvalidSignalValue, match=reason):
        Pdq(settings).validate(value)


def test_pdq_is_a_signal_type_and_makes_its_index(settings: Settings) -> None:
    pdq = Pdq(settings)
    assert isinstance(pdq, SignalType)
    assert pdq.name == "pdq"
    pytest.importorskip("fairgate.index.hamming")
    index = pdq.make_index()
    assert isinstance(index, SignalIndex)
    assert len(index) == 0


def test_bad_images_raise_media_errors(settings: Settings) -> None:
    with pytest.raises(MediaError, match="not a recognised image format"):
        Pdq(settings).compute(0, media(b"just some text, no image"), reference=False)


def test_reference_functions_agree_with_the_signal_type(bridge: bytes, settings: Settings) -> None:
    source = media(bridge)
    assert Pdq(settings).hash_media(source, reference=True) == pdq_reference(
        source.image(), dihedral=True
    )
    assert Pdq(settings).hash_media(source, reference=False) == pdq_fast(
        source.decoded(reduced=True), dihedral=True
    )


@pytest.mark.parametrize(
    ("mode", "params"),
    [("L", {}), ("CMYK", {}), ("RGB", {"progressive": True}), ("RGB", {"subsampling": 0})],
    ids=["grey", "cmyk", "progressive", "444"],
)
def test_reduced_decode_of_other_jpeg_kinds(
    mode: str, params: dict[str, object], settings: Settings
) -> None:
    data = encode(photo_like(2150, 1100, seed=3).convert(mode), quality=90, **params)
    source = media(data)
    assert source.decoded(reduced=True).scale == 2
    fast = Pdq(settings).hash_media(source, reference=False)
    ref = Pdq(settings).hash_media(source, reference=True)
    assert ref.hashes[0] == pytx_hash(data)
    assert max(hamming(a, b) for a, b in zip(fast.hashes, ref.hashes, strict=True)) <= 2
