"""The transform suite of ``fairgate eval images``: how people disguise a known image.

AugLy (the library behind Meta's copy-detection challenge) where it has the
transform, our own code where it lacks one (blurred padding, mirror-free
crops at a random offset, phone-screen framing, tiling). Every transform is
deterministic given its ``random.Random``; AugLy is imported only when the
suite runs (it is in the ``eval`` extra).

Definitions (``w``, ``h``: the original's size):

* ``crop_P``: P% of the width and P% of the height are cut away, split at
  random between the two sides (``crop_40`` keeps 60% x 60% = 36% of the area).
* ``pad_20_*``: a border adding 20% to each side's length (10% + 10% ... split
  at random), white, black, or the image itself enlarged and blurred.
* ``rotate_D``: AugLy's rotation (turned, then cropped to the largest upright
  rectangle, no black corners); ``rotate_90`` turns clockwise without loss.
* ``tile_2x2`` / ``tile_3x1``: the image four times in a grid / three times
  side by side, at its own size.
* ``screenshot``: the image inside a phone-screen frame (status bar, app bar,
  rounded dark bezel and text), ``meme``: AugLy's caption bar above.
* ``combo_*``: two of the above, one after the other.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

Transform = Callable[[Image.Image, random.Random], Image.Image]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    apply: Transform
    group: str
    """The family it belongs to (crop, pad, rotate, ...), for the report."""


@cache
def _augly() -> Any:
    import augly.image as imaugs  # the eval extra; import is slow (0.5 s)

    return imaugs


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


def crop(fraction: float) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        w, h = image.size
        cut_w, cut_h = round(w * fraction), round(h * fraction)
        left, top = rng.randint(0, cut_w), rng.randint(0, cut_h)
        return image.crop((left, top, w - (cut_w - left), h - (cut_h - top)))

    return apply


def pad(fraction: float, fill: str) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        w, h = image.size
        add_w, add_h = round(w * fraction), round(h * fraction)
        left, top = (
            rng.randint(add_w // 4, add_w - add_w // 4),
            rng.randint(add_h // 4, add_h - add_h // 4),
        )
        size = (w + add_w, h + add_h)
        if fill == "blurred":
            canvas = image.resize(size).filter(ImageFilter.GaussianBlur(max(size) / 40))
        else:
            canvas = Image.new("RGB", size, (255, 255, 255) if fill == "white" else (0, 0, 0))
        canvas.paste(image, (left, top))
        return canvas

    return apply


def rotate(degrees: float) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        if degrees == 90:
            return image.transpose(Image.Transpose.ROTATE_270)
        return _rgb(_augly().rotate(image, degrees=degrees))

    return apply


def mirror(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.mirror(image)


def scale(factor: float) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        w, h = image.size
        return image.resize(
            (max(8, round(w * factor)), max(8, round(h * factor))), Image.Resampling.LANCZOS
        )

    return apply


def jpeg(quality: int) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        return _rgb(_augly().encoding_quality(image, quality=quality))

    return apply


def blur(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(max(image.size) / 200))


def noise(image: Image.Image, rng: random.Random) -> Image.Image:
    return _rgb(_augly().random_noise(image, var=0.02, seed=rng.randint(0, 1 << 30)))


def greyscale(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.convert("L").convert("RGB")


def colour_jitter(image: Image.Image, rng: random.Random) -> Image.Image:
    return _rgb(
        _augly().color_jitter(
            image,
            brightness_factor=rng.uniform(0.7, 1.3),
            contrast_factor=rng.uniform(0.7, 1.4),
            saturation_factor=rng.uniform(0.3, 1.8),
        )
    )


_CAPTIONS = ("when the weekend finally arrives", "nobody: me at 3am", "so true lol", "LOOK")


def text_overlay(image: Image.Image, rng: random.Random) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    size = max(12, image.height // 10)
    font = _font(size)
    text = rng.choice(_CAPTIONS)
    x, y = rng.randint(0, max(1, image.width // 4)), rng.randint(0, image.height - size - 1)
    draw.text((x, y), text, font=font, fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))
    return out


def emoji_overlay(image: Image.Image, rng: random.Random) -> Image.Image:
    return _rgb(
        _augly().overlay_emoji(
            image,
            emoji_size=rng.uniform(0.15, 0.3),
            x_pos=rng.uniform(0.0, 0.7),
            y_pos=rng.uniform(0.0, 0.7),
        )
    )


def meme(image: Image.Image, rng: random.Random) -> Image.Image:
    """A white caption bar (a fifth of the height) above the image, black bold text.

    Our own: AugLy's ``meme_format`` calls a Pillow API removed in Pillow 10."""
    w, h = image.size
    bar = max(20, h // 5)
    out = Image.new("RGB", (w, h + bar), (255, 255, 255))
    out.paste(image, (0, bar))
    text = rng.choice(_CAPTIONS).upper()
    font = _font(max(8, bar // 3))
    draw = ImageDraw.Draw(out)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = max(0, (w - (right - left)) // 2)
    draw.text((x, (bar - (bottom - top)) // 2 - top), text, font=font, fill=(0, 0, 0))
    return out


def screenshot(image: Image.Image, rng: random.Random) -> Image.Image:
    """Screenshot framing (our own): the image in a chat app on a phone (bezel, status
    bar, app bar, a line of text below)."""
    w, h = image.size
    screen_w = round(w * rng.uniform(1.05, 1.2))
    bar, app = max(8, screen_w // 18), max(12, screen_w // 8)
    screen_h = round(bar + app + h + screen_w * rng.uniform(0.3, 0.6))
    bezel = max(6, screen_w // 20)
    frame = Image.new("RGB", (screen_w + 2 * bezel, screen_h + 2 * bezel), (20, 20, 22))
    screen = Image.new("RGB", (screen_w, screen_h), (245, 245, 247))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, screen_w, bar), fill=(30, 30, 30))
    font = _font(max(8, bar * 2 // 3))
    clock = f"12:4{rng.randint(0, 9)}   5G  87%"
    draw.text((bar // 2, 0), clock, font=font, fill=(250, 250, 250))
    draw.rectangle((0, bar, screen_w, bar + app), fill=(0, 120, 215))
    draw.text((app // 3, bar + app // 4), "Family chat", font=_font(app // 2), fill=(255,) * 3)
    screen.paste(image, ((screen_w - w) // 2, bar + app + bar // 2))
    below = bar + app + h + bar
    draw.text((bar, below), rng.choice(_CAPTIONS), font=_font(app // 3), fill=(40,) * 3)
    frame.paste(screen, (bezel, bezel))
    mask = Image.new("L", frame.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, *frame.size), radius=bezel * 3, fill=255)
    out = Image.new("RGB", frame.size, (255, 255, 255))
    out.paste(frame, (0, 0), mask)
    return out


def tile(columns: int, rows: int) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        w, h = image.size
        out = Image.new("RGB", (w * columns, h * rows))
        for r in range(rows):
            for c in range(columns):
                out.paste(image, (c * w, r * h))
        return out

    return apply


def then(first: Transform, second: Transform) -> Transform:
    def apply(image: Image.Image, rng: random.Random) -> Image.Image:
        return second(_rgb(first(image, rng)), rng)

    return apply


_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    augly_fonts = Path(_augly().__file__).parent.parent / "assets" / "fonts"
    for font_path in sorted(augly_fonts.glob("Raleway*.ttf")):
        return ImageFont.truetype(str(font_path), size)
    return ImageFont.load_default(size)


SUITE: tuple[Step, ...] = (
    Step("crop_5", crop(0.05), "crop"),
    Step("crop_10", crop(0.10), "crop"),
    Step("crop_20", crop(0.20), "crop"),
    Step("crop_40", crop(0.40), "crop"),
    Step("pad_20_white", pad(0.2, "white"), "pad"),
    Step("pad_20_black", pad(0.2, "black"), "pad"),
    Step("pad_20_blurred", pad(0.2, "blurred"), "pad"),
    Step("rotate_4", rotate(4), "rotate"),
    Step("rotate_-4", rotate(-4), "rotate"),
    Step("rotate_15", rotate(15), "rotate"),
    Step("rotate_-15", rotate(-15), "rotate"),
    Step("rotate_90", rotate(90), "rotate"),
    Step("mirror", mirror, "mirror"),
    Step("scale_0.25", scale(0.25), "scale"),
    Step("scale_0.5", scale(0.5), "scale"),
    Step("scale_3", scale(3.0), "scale"),
    Step("jpeg_10", jpeg(10), "jpeg"),
    Step("jpeg_30", jpeg(30), "jpeg"),
    Step("blur", blur, "filter"),
    Step("noise", noise, "filter"),
    Step("greyscale", greyscale, "colour"),
    Step("colour_jitter", colour_jitter, "colour"),
    Step("text_overlay", text_overlay, "overlay"),
    Step("emoji_overlay", emoji_overlay, "overlay"),
    Step("meme", meme, "overlay"),
    Step("screenshot", screenshot, "framing"),
    Step("tile_2x2", tile(2, 2), "tiling"),
    Step("tile_3x1", tile(3, 1), "tiling"),
    Step("combo_crop_10+mirror", then(crop(0.10), mirror), "combo"),
    Step("combo_pad_20_white+text", then(pad(0.2, "white"), text_overlay), "combo"),
    Step("combo_rotate_4+jpeg_30", then(rotate(4), jpeg(30)), "combo"),
    Step("combo_meme+scale_0.5", then(meme, scale(0.5)), "combo"),
    Step("combo_screenshot+jpeg_30", then(screenshot, jpeg(30)), "combo"),
    Step("combo_tile_2x2+mirror", then(tile(2, 2), mirror), "combo"),
)
BY_NAME: dict[str, Step] = {step.name: step for step in SUITE}


def select(names: tuple[str, ...] | None) -> tuple[Step, ...]:
    """The named steps in suite order (all when ``names`` is empty); unknown names are an error."""
    if not names:
        return SUITE
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown transform {unknown[0]!r} (known: {', '.join(BY_NAME)})")
    return tuple(step for step in SUITE if step.name in names)


def apply(step: Step, image: Image.Image, seed: int) -> Image.Image:
    """One query image: ``step`` applied to ``image`` (RGB) with its own seeded RNG."""
    return _rgb(step.apply(_rgb(image), random.Random(f"{seed}:{step.name}")))
