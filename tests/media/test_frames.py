"""Later frames of animated images: decoded in order, within the frame and pixel budgets."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from fairgate.media.frames import FrameSource, decode_frames
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr.preprocess import ocr_image
from fairgate.settings import Settings

LIMITS = MediaLimits.from_settings(Settings())


def frames(count: int, size: tuple[int, int] = (32, 24)) -> list[Image.Image]:
    rng = np.random.default_rng(count)
    return [
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
        for _ in range(count)
    ]


def encode(fmt: str, images: list[Image.Image], **kw: object) -> bytes:
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], **kw)
    return out.getvalue()


def source(data: bytes) -> MediaSource:
    return MediaSource(data, name="a", limits=LIMITS)


def test_a_still_image_is_one_frame() -> None:
    media = source(encode("PNG", frames(1)))
    result = decode_frames(media, max_frames=8, pixel_budget=10**9)
    assert result.sources == (media,)
    assert result.total == 1
    assert not result.animated
    assert result.skipped is None


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_each_frame_is_the_frame_pillow_decodes(fmt: str) -> None:
    images = frames(5)
    data = encode(fmt, images, lossless=True) if fmt == "WEBP" else encode(fmt, images)
    result = decode_frames(source(data), max_frames=8, pixel_budget=10**9)
    assert len(result.sources) == 5
    assert result.skipped is None
    assert result.total == 5
    with Image.open(io.BytesIO(data)) as reference:
        for k, frame in enumerate(result.sources):
            reference.seek(k)
            assert frame.frame == k
            assert np.array_equal(np.asarray(frame.image()), np.asarray(reference.convert("RGB")))
    keys = {frame.key for frame in result.sources}
    assert len(keys) == 5  # every frame is cached (OCR, local features) under its own key


def test_max_frames_stops_decoding_and_says_so() -> None:
    data = encode("PNG", frames(20))
    result = decode_frames(source(data), max_frames=3, pixel_budget=10**9)
    assert [f.frame for f in result.sources] == [0, 1, 2]
    assert result.total == 20
    assert result.skipped == "media_max_frames is 3"


def test_a_gif_frame_count_is_not_walked() -> None:
    data = encode("GIF", frames(30))
    result = decode_frames(source(data), max_frames=4, pixel_budget=10**9)
    assert len(result.sources) == 4
    assert result.total is None  # counting would read every frame header
    assert result.animated
    assert result.skipped == "media_max_frames is 4"


def test_the_pixel_budget_counts_every_frame() -> None:
    data = encode("PNG", frames(10, (40, 10)))
    result = decode_frames(source(data), max_frames=10, pixel_budget=4 * 400 + 399)
    assert len(result.sources) == 4
    assert result.skipped is not None
    assert "media_max_frame_pixels" in result.skipped


def test_the_first_frame_alone_may_exceed_the_budget() -> None:
    data = encode("PNG", frames(3, (40, 10)))
    result = decode_frames(source(data), max_frames=8, pixel_budget=10)
    assert len(result.sources) == 1  # the attachment itself is always screened
    assert result.skipped is not None


def _with_actl(data: bytes, declared: int) -> bytes:
    at = data.index(b"acTL") - 4
    length = struct.unpack(">I", data[at : at + 4])[0]
    plays = data[at + 12 : at + 8 + length]
    body = struct.pack(">I", declared) + plays
    chunk = struct.pack(">I", len(body)) + b"acTL" + body
    chunk += struct.pack(">I", zlib.crc32(b"acTL" + body))
    return data[:at] + chunk + data[at + 12 + length :]


def test_an_apng_that_declares_more_frames_than_it_holds() -> None:
    data = _with_actl(encode("PNG", frames(3)), 1000)
    result = decode_frames(source(data), max_frames=8, pixel_budget=10**9)
    assert len(result.sources) == 3
    assert result.total == 1000  # what the file says, in the Decision's note
    assert result.skipped is not None
    assert "frame 3" in result.skipped


def test_a_truncated_animation_keeps_the_frames_before_the_break() -> None:
    data = encode("GIF", frames(6, (64, 64)))
    result = decode_frames(source(data[: len(data) // 2]), max_frames=8, pixel_budget=10**9)
    assert 1 <= len(result.sources) < 6
    assert result.skipped is not None
    assert "could not be decoded" in result.skipped


def test_a_transparent_frame_keeps_its_alpha_for_ocr() -> None:
    opaque = Image.new("RGBA", (32, 32), (255, 255, 255, 255))
    sticker = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    sticker.paste((0, 0, 0, 255), (8, 8, 24, 24))
    data = encode("PNG", [opaque, sticker])
    result = decode_frames(source(data), max_frames=8, pixel_budget=10**9)
    frame = result.sources[1]
    assert isinstance(frame, FrameSource)
    assert frame.rgba is not None
    flat = np.asarray(ocr_image(frame))
    assert flat.shape == (32, 32, 3)
    assert flat[0, 0].tolist() == [255, 255, 255]  # black glyph onto white
    assert flat[16, 16].tolist() == [0, 0, 0]


def test_five_thousand_frames_cost_only_the_screened_ones() -> None:
    data = encode("GIF", [f.convert("P") for f in frames(5000, (16, 16))], duration=10)
    with Image.open(io.BytesIO(data)) as check:
        assert check.n_frames == 5000
    result = decode_frames(source(data), max_frames=8, pixel_budget=10**9)
    assert len(result.sources) == 8
    assert result.skipped == "media_max_frames is 8"
