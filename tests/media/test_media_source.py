"""Safe decoding: limits, hostile input, modes, EXIF orientation, reduced decodes."""

from __future__ import annotations

import functools
import io
import struct
import time
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from fairgate.errors import InvalidInput, MediaError
from fairgate.media import MediaLimits, MediaSource
from fairgate.media.orientation import ORIENTATIONS
from fairgate.media.source import reduction_scale
from fairgate.settings import Settings

LIMITS = MediaLimits.from_settings(Settings())


def encode(image: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def texture(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(width * 7 + height)
    small = Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8), "RGB")
    return small.resize((width, height), Image.Resampling.BICUBIC)


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming width x height, with a tiny IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def source(data: bytes, **limits: int) -> MediaSource:
    return MediaSource(data, name="upload.bin", limits=MediaLimits(**{**_defaults(), **limits}))


def _defaults() -> dict[str, int]:
    return {
        "max_file_bytes": LIMITS.max_file_bytes,
        "max_image_pixels": LIMITS.max_image_pixels,
        "max_image_side": LIMITS.max_image_side,
    }


HANG_GUARD_S = 20.0


@pytest.fixture
def quick() -> Iterator[None]:
    """A hang guard, not a speed test (speed is benchmarked): a refusal that
    decoded the claimed pixels of a bomb would take minutes, not seconds."""
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < HANG_GUARD_S


# -- limits and hostile input -------------------------------------------------------------
def test_limits_come_from_settings() -> None:
    settings = Settings(max_file_bytes=10, max_image_pixels=20, max_image_side=5)
    assert MediaLimits.from_settings(settings) == MediaLimits(10, 20, 5)
    with pytest.raises(ValueError, match="max_image_side"):
        MediaLimits(10, 20, 0)


def test_empty_data_is_refused(quick: None) -> None:
    with pytest.raises(MediaError, match="empty file") as info:
        source(b"")
    assert info.value.source == "upload.bin"
    assert isinstance(info.value, InvalidInput)


def test_data_over_the_byte_limit_is_refused(quick: None) -> None:
    with pytest.raises(MediaError, match="file is 101 bytes; the limit is 100 bytes"):
        source(b"x" * 101, max_file_bytes=100)
    assert source(b"x" * 100, max_file_bytes=100).data == b"x" * 100


def test_from_path_refuses_a_big_file_before_reading_it(tmp_path: Path, quick: None) -> None:
    path = tmp_path / "huge.jpg"
    with path.open("wb") as fh:  # sparse: 5 GB claimed, nothing written
        fh.truncate(5 * 1024**3)
    with pytest.raises(MediaError, match="limit is"):
        MediaSource.from_path(path, limits=LIMITS)
    with pytest.raises(MediaError, match="No such file"):
        MediaSource.from_path(tmp_path / "missing.png", limits=LIMITS)


@pytest.mark.parametrize(
    "data",
    [b"hello world", np.random.default_rng(1).bytes(4096), b"%PDF-1.4\n" + b"0" * 100],
    ids=["text", "random", "pdf"],
)
def test_non_images_are_not_recognised(data: bytes, quick: None) -> None:
    with pytest.raises(MediaError, match="not a recognised image format"):
        source(data).image()


def test_formats_outside_the_allowed_set_are_not_recognised(quick: None) -> None:
    icon = encode(texture(32, 32), "ICO")
    assert Image.open(io.BytesIO(icon)).format == "ICO"
    with pytest.raises(MediaError, match="not a recognised image format"):
        source(icon).image()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_truncated_images_are_refused_not_half_decoded(fmt: str, quick: None) -> None:
    data = encode(texture(400, 300), fmt)
    with pytest.raises(MediaError, match="corrupt"):
        source(data[: len(data) * 2 // 3]).image()


def test_truncated_header_is_refused(quick: None) -> None:
    data = encode(texture(64, 64), "JPEG")
    with pytest.raises(MediaError, match=r"not a recognised|corrupt"):
        source(data[:20]).image()


def test_corrupt_png_data_is_refused(quick: None) -> None:
    data = bytearray(encode(texture(200, 200), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 40 : idat + 60] = b"\x00" * 20  # breaks the zlib stream and the CRC
    with pytest.raises(MediaError, match="truncated or corrupt"):
        source(bytes(data)).image()


def test_a_side_over_the_limit_is_refused_from_the_header(quick: None) -> None:
    with pytest.raises(MediaError, match="1x30000 px; sides over 20000 px are refused"):
        source(png_header_only(1, 30000)).header()


def test_pixels_over_the_limit_are_refused_from_the_header(quick: None) -> None:
    with pytest.raises(MediaError, match="9000x9000 = 81000000 pixels; the limit is 64000000"):
        source(png_header_only(9000, 9000)).image()


def test_decompression_bomb_is_refused_without_decoding(quick: None) -> None:
    """A 100000 x 100000 PNG header over a few bytes of data."""
    data = png_header_only(100_000, 100_000)
    assert len(data) < 100
    with pytest.raises(MediaError, match=r"too large|refused"):
        source(data).image()


def test_pillows_bomb_warning_is_an_error_without_touching_global_filters(quick: None) -> None:
    """With our own limits raised, Pillow's check (about 89 Mpx) still refuses."""
    before = list(warnings.filters)
    with pytest.raises(MediaError, match="too large to decode safely"):
        source(
            png_header_only(10_000, 10_000), max_image_pixels=10**12, max_image_side=10**6
        ).header()
    assert warnings.filters == before


def test_a_compressible_large_image_within_limits_decodes() -> None:
    data = encode(Image.new("RGB", (6000, 4000), (10, 20, 30)), "PNG")
    assert len(data) < 200_000
    image = source(data).image()
    assert image.size == (6000, 4000)
    with pytest.raises(MediaError, match="limit is 10000000"):
        source(data, max_image_pixels=10_000_000).image()


def test_animated_images_give_their_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "lime", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    image = source(out.getvalue()).image()
    assert image.mode == "RGB"
    assert image.getpixel((5, 5)) == (255, 0, 0)


# -- colour modes: exactly python-threatexchange's convert("RGB") ------------------------------
MODES = ["L", "LA", "P", "P-transparent", "PA", "RGBA", "1", "I;16", "CMYK", "F"]


@functools.cache
def mode_images() -> dict[str, bytes]:
    base = texture(120, 90)
    rgba = base.copy()
    rgba.putalpha(Image.linear_gradient("L").resize((120, 90)))
    p_transparent = base.convert("P")
    p_transparent.info["transparency"] = 0
    i16 = Image.fromarray(np.asarray(base.convert("L")).astype(np.uint16) * 200)
    assert i16.mode == "I;16"
    return {
        "L": encode(base.convert("L")),
        "LA": encode(rgba.convert("LA")),
        "P": encode(base.convert("P")),
        "P-transparent": encode(p_transparent),
        "PA": encode(rgba.convert("PA"), "WEBP", lossless=True),
        "RGBA": encode(rgba),
        "1": encode(base.convert("1")),
        "I;16": encode(i16),
        "CMYK": encode(base.convert("CMYK"), "JPEG", quality=95),
        "F": encode(base.convert("F"), "TIFF"),
    }


@pytest.mark.parametrize("mode", MODES)
def test_modes_convert_like_pytx(mode: str) -> None:
    data = mode_images()[mode]
    pytx = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    ours = np.asarray(source(data).image())
    assert ours.dtype == np.uint8
    assert ours.shape == pytx.shape
    assert np.array_equal(ours, pytx)


# -- EXIF orientation ---------------------------------------------------------------------------
def with_orientation(image: Image.Image, tag: int, fmt: str = "JPEG") -> bytes:
    exif = Image.Exif()
    exif[0x0112] = tag
    return encode(image, fmt, exif=exif, **({"quality": 95} if fmt == "JPEG" else {}))


@pytest.mark.parametrize("tag", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_orientation_is_applied_like_exif_transpose(tag: int, fmt: str) -> None:
    data = with_orientation(texture(90, 60), tag, fmt)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    ours = source(data).image()
    assert ours.size == expected.size
    assert np.array_equal(np.asarray(ours), np.asarray(expected))


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_is_ignored_not_fatal() -> None:
    data = encode(texture(50, 40), "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\xff")
    assert source(data).image().size == (50, 40)


@pytest.mark.parametrize("tag", range(1, 9))
def test_orientation_table_says_where_each_displayed_axis_comes_from(tag: int) -> None:
    """Stored pixel (x, y) carries the value y * W + x; read the displayed corners."""
    width, height = 7, 5
    stored = Image.fromarray(np.arange(width * height, dtype=np.int32).reshape(height, width))
    orientation = ORIENTATIONS[tag]
    shown = stored if orientation.transpose is None else stored.transpose(orientation.transpose)
    shown_px = np.asarray(shown)
    assert orientation.displayed_size((width, height)) == shown.size
    origin, right, down = int(shown_px[0, 0]), int(shown_px[0, 1]), int(shown_px[1, 0])
    step_x, step_y = right - origin, down - origin  # in stored units: +-1 is x, +-W is y
    assert abs(step_x) == (width if orientation.swaps_axes else 1)
    assert abs(step_y) == (1 if orientation.swaps_axes else width)
    assert (step_x < 0) == orientation.reverses_x
    assert (step_y < 0) == orientation.reverses_y


# -- reduced decodes ----------------------------------------------------------------------------
def test_reduction_scale_keeps_the_short_side() -> None:
    assert reduction_scale(4032, 3024, 512) == 4
    assert reduction_scale(4096, 4096, 512) == 8
    assert reduction_scale(1600, 1004, 512) == 1
    assert reduction_scale(1600, 1024, 512) == 2
    assert reduction_scale(1600, 1023, 512) == 2  # ceil(1023 / 2) = 512 is still enough
    assert reduction_scale(1600, 1022, 512) == 1
    assert reduction_scale(100, 100, 512) == 1


@pytest.mark.parametrize("tag", [1, 6])
def test_reduced_jpeg_decode(tag: int) -> None:
    data = with_orientation(texture(2100, 1100), tag)
    media = source(data)
    full = media.decoded(reduced=False)
    reduced = media.decoded(reduced=True)
    assert reduced.scale == 2
    assert reduced.full_size == full.image.size == full.full_size
    assert reduced.image.size == (-(-full.image.width // 2), -(-full.image.height // 2))
    assert min(reduced.image.size) >= media.limits.reduced_min_side
    assert reduced.reversed_axes == (tag == 6, False)
    assert media.image(reduced=True) is reduced.image  # cached
    small = np.asarray(full.image.resize(reduced.image.size, Image.Resampling.BOX), dtype=float)
    assert np.abs(np.asarray(reduced.image, dtype=float) - small).mean() < 3


def test_reduced_decode_is_the_full_decode_for_other_formats_and_small_jpegs() -> None:
    for data in (encode(texture(2100, 1100), "PNG"), encode(texture(900, 700), "JPEG")):
        media = source(data)
        reduced = media.decoded(reduced=True)
        assert reduced.scale == 1
        assert media.decoded(reduced=False) is reduced
        other = source(data)
        assert other.decoded(reduced=False) is other.decoded(reduced=True)  # no second decode


def test_header_reads_dimensions_without_decoding() -> None:
    header = source(encode(texture(300, 200), "JPEG")).header()
    assert (header.format, header.width, header.height, header.mode) == ("JPEG", 300, 200, "RGB")
