"""Hostile attachments, generated (nothing downloaded): each with what fairgate
must answer — a clear refusal (``refuse``) or a Decision (``screen``)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Item:
    name: str
    data: bytes
    expect: str
    """``refuse``: a clear 4xx / exit 2; ``screen``: a Decision."""
    filename: str = "upload.bin"
    content_type: str | None = None


def _encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def _photo(size: tuple[int, int] = (320, 240)) -> Image.Image:
    img = Image.new("RGB", size)
    img.putdata(
        [
            ((x * 3) % 256, (y * 5) % 256, ((x ^ y) * 7) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return img


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_declaring(width: int, height: int, idat: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.txt", "x" * 1000)
    return out.getvalue()


GIF_5000 = "gif with 5000 frames"
ANIMATED = (GIF_5000, "apng with 500 frames", "animated webp with 300 frames")


def many_frames(count: int, side: int = 64) -> list[Image.Image]:
    """``count`` different frames: a bright column and a grey row moving across."""
    out = []
    for i in range(count):
        frame = Image.new("L", (side, side), 0)
        frame.paste(255, (i % side, 0, i % side + 1, side))
        row = (i // side) % side
        frame.paste(128, (0, row, side, row + 1))
        out.append(frame.convert("P"))
    return out


def corpus() -> list[Item]:
    photo = _photo()
    jpeg = _encode(photo, "JPEG", quality=85)
    png = _encode(photo, "PNG")
    gif = _encode(photo.convert("P"), "GIF")
    webp = _encode(photo, "WEBP")
    moving = many_frames(5000)  # distinct frames: encoders merge identical ones
    many = io.BytesIO()
    moving[0].save(many, "GIF", save_all=True, append_images=moving[1:], duration=10)
    rgb = [f.convert("RGB") for f in moving[:500]]
    apng = io.BytesIO()
    rgb[0].save(apng, "PNG", save_all=True, append_images=rgb[1:500])
    awebp = io.BytesIO()
    rgb[0].save(awebp, "WEBP", save_all=True, append_images=rgb[1:300])
    pa = photo.convert("P")
    pa.info["transparency"] = 0
    sixteen = Image.new("I;16", (128, 128))
    sixteen.putdata([(x * 512) % 65536 for x in range(128 * 128)])
    huge_zlib = zlib.compress(b"\x00" * (50 * 1024 * 1024), 9)  # 50 MB of zeros in ~50 kB
    return [
        Item("zero bytes", b"", "refuse"),
        Item("one byte", b"\xff", "refuse"),
        Item("truncated jpeg", jpeg[: len(jpeg) // 2], "refuse"),
        Item("truncated png", png[: len(png) // 2], "refuse"),
        Item("truncated gif", gif[: len(gif) // 2], "refuse"),
        Item("truncated webp", webp[: len(webp) // 2], "refuse"),
        Item(
            "bomb: huge declared size",
            _png_declaring(100_000, 100_000, zlib.compress(b"")),
            "refuse",
        ),
        Item(
            "enormous zlib stream, size within limits",
            _png_declaring(4000, 4000, huge_zlib),
            "screen",
        ),
        Item("1 x 100000", _encode(Image.new("L", (1, 100_000)), "PNG"), "refuse"),
        Item("100000 x 1", _encode(Image.new("L", (100_000, 1)), "PNG"), "refuse"),
        Item(GIF_5000, many.getvalue(), "screen"),
        Item("apng with 500 frames", apng.getvalue(), "screen"),
        Item("animated webp with 300 frames", awebp.getvalue(), "screen"),
        Item("cmyk jpeg", _encode(photo.convert("CMYK"), "JPEG"), "screen"),
        Item("16-bit png", _encode(sixteen, "PNG"), "screen"),
        Item("palette with alpha", _encode(pa, "PNG"), "screen"),
        Item("1-bit png", _encode(photo.convert("1"), "PNG"), "screen"),
        Item(
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
            "refuse",
            "a.svg",
            "image/svg+xml",
        ),
        Item(
            "heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
            "refuse",
            "a.heic",
            "image/heic",
        ),
        Item("jpeg/zip polyglot", jpeg + _zip(), "screen", "a.jpg", "image/jpeg"),
        Item("type that lies", png, "screen", "photo.gif", "image/gif"),
        Item(
            "not an image at all", b"%PDF-1.4\n" + b"x" * 1000, "refuse", "a.pdf", "application/pdf"
        ),
    ]
