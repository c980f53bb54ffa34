"""OCR: the RapidOCR engine on real images, preprocessing, retry, cache, budget."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from fairgate.errors import MediaError
from fairgate.evaluate.ocr import bag_recall, normalise, seq_recall
from fairgate.media import MediaLimits, MediaSource
from fairgate.ocr import OcrConfig, OcrLine, OcrResult, OcrService, default_engine
from fairgate.ocr.preprocess import flatten, looks_blank, pad

OCR_REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ocr-real"
LIMITS = MediaLimits(max_file_bytes=20_000_000, max_image_pixels=40_000_000, max_image_side=12_000)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def encode(image: Image.Image, fmt: str = "PNG") -> MediaSource:
    out = io.BytesIO()
    image.save(out, fmt)
    return MediaSource(out.getvalue(), name=f"test.{fmt.lower()}", limits=LIMITS)


def real(name: str) -> tuple[MediaSource, str]:
    path = OCR_REAL / "images" / name
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    gt = (OCR_REAL / "gt" / f"{Path(name).stem}.txt").read_text(encoding="utf-8")
    return MediaSource.from_path(path, limits=LIMITS), gt


@pytest.fixture(scope="module")
def service() -> OcrService:
    engine = default_engine()
    engine.load()  # the models are loaded once for the whole module
    return OcrService(engine=engine)


class CountingEngine:
    """Wraps an engine (or returns a fixed line) and counts recognitions."""

    def __init__(self, text: str = "hello", delay: float = 0.0) -> None:
        self.calls = 0
        self.text = text
        self.delay = delay

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        time.sleep(self.delay)
        box = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))
        return OcrResult((OcrLine(self.text, box, 0.99),), self.delay)


def text_image(
    text: str, size: tuple[int, int] = (640, 160), bg: int = 255, fg: int = 0
) -> Image.Image:
    image = Image.new("RGB", size, (bg, bg, bg))
    ImageDraw.Draw(image).text((24, size[1] // 2 - 24), text, fill=(fg, fg, fg), font=font(40))
    return image


# -- real images ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("rapidocr_en.jpg", 0.9),
        ("cnocr_huochepiao.jpeg", 0.9),
        ("rapidocr_img_exif_orientation.jpg", 0.95),  # upside down without EXIF
        ("rapidocr_black_font_color_transparent.png", 0.95),
        ("rapidocr_white_font_color_transparent.png", 0.95),
        ("paddleocr_word_1.jpg", 0.95),  # a tight word crop: padded
    ],
)
def test_real_images_recall(service: OcrService, name: str, minimum: float) -> None:
    media, gt = real(name)
    result, cached = service.recognise(media)
    assert not cached
    truth, found = normalise(gt), normalise(result.text)
    assert seq_recall(truth, found) >= minimum, result.text
    assert all(len(line.box) == 4 and 0 < line.score <= 1 for line in result.lines)


def test_real_image_words(service: OcrService) -> None:
    media, _ = real("rapidocr_en.jpg")
    text = service.recognise(media)[0].text.casefold()
    for word in ("movieshots", "dataset", "movies"):
        assert word in text.replace(" ", "")


# -- preprocessing -----------------------------------------------------------------
@pytest.mark.parametrize(("glyph", "expected_bg"), [(0, 255), (255, 0)])
def test_transparent_glyphs_flattened_onto_contrast(
    service: OcrService, glyph: int, expected_bg: int
) -> None:
    rgba = Image.new("RGBA", (640, 160), (glyph, glyph, glyph, 0))
    ImageDraw.Draw(rgba).text(
        (24, 56), "TRANSPARENT 42", fill=(glyph, glyph, glyph, 255), font=font(40)
    )
    flat = flatten(rgba)
    assert flat.getpixel((2, 2)) == (expected_bg,) * 3
    result, _ = service.recognise(encode(rgba))
    assert "TRANSPARENT42" in normalise(result.text).upper()


def test_grey_on_grey_needs_clahe_retry(service: OcrService) -> None:
    image = text_image("HELLO WORLD 2024", bg=128, fg=134)
    first = service.engine.recognise(image)
    assert normalise(first.text) == ""  # too faint for one pass
    result = service.recognise_image(image)
    assert result.retried
    assert seq_recall("helloworld2024", normalise(result.text)) >= 0.9


def test_no_text_image_exits_without_the_engine() -> None:
    """A flat image is judged textless before any detector run (its latency is
    measured by ``fairgate eval ocr``, not asserted here)."""
    engine = CountingEngine()
    ocr = OcrService(engine=engine)
    media = encode(Image.new("RGB", (1280, 720), (236, 238, 240)), "JPEG")
    result = ocr.recognise_image(ocr.prepare(media))
    assert result.lines == ()
    assert result.skipped_blank
    assert engine.calls == 0


def test_blank_check_keeps_faint_text() -> None:
    assert looks_blank(Image.new("RGB", (500, 300), (90, 90, 90)), 0.0005)
    assert not looks_blank(text_image("faint", bg=128, fg=131), 0.0005)


def test_pad_small_image() -> None:
    small = Image.new("RGB", (120, 20), (250, 250, 250))
    padded = pad(small, 48)
    assert min(padded.size) >= 48
    assert padded.getpixel((0, 0)) == (250, 250, 250)
    big = Image.new("RGB", (100, 100))
    assert pad(big, 48) is big


def test_corrupt_input_raises_media_error() -> None:
    ocr = OcrService(engine=CountingEngine())
    with pytest.raises(MediaError):
        ocr.recognise(MediaSource(b"definitely not an image", limits=LIMITS))
    png = encode(text_image("x")).data
    with pytest.raises(MediaError):
        ocr.recognise(MediaSource(png[: len(png) // 2], limits=LIMITS))


# -- cache and budget (fake engine, no model) --------------------------------------
def test_cache_avoids_second_recognition() -> None:
    engine = CountingEngine()
    ocr = OcrService(OcrConfig(cache_entries=2), engine=engine)
    media = encode(text_image("cached"))
    first, hit1 = ocr.recognise(media)
    second, hit2 = ocr.recognise(MediaSource(media.data, limits=LIMITS))
    assert (hit1, hit2) == (False, True)
    assert first is second
    assert engine.calls == 1
    message = ocr.recognise_message([media, media])
    assert [a.cached for a in message.attachments] == [True, True]
    assert engine.calls == 1
    for word in ("a", "b", "c"):  # bounded: the oldest entry is evicted
        ocr.recognise(encode(text_image(word)))
    assert len(ocr.cache) == 2
    ocr.recognise(media)
    assert engine.calls == 5


def test_budget_skips_remaining_attachments() -> None:
    engine = CountingEngine(delay=0.05)
    ocr = OcrService(OcrConfig(message_budget_seconds=0.03), engine=engine)
    media = [encode(text_image(word)) for word in ("one", "two", "three")]
    message = ocr.recognise_message(media)
    assert message.cut_short
    assert message.skipped == (1, 2)
    assert message.attachments[0].result is not None
    out = message.to_dict()
    assert out["cut_short"] is True
    assert out["attachments"][1]["skipped"] == "time budget exceeded"
    assert engine.calls == 1
    assert not ocr.recognise_message(media[:1], budget=5.0).cut_short


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="det_limit_type"):
        OcrConfig(det_limit_type="median")
    with pytest.raises(ValueError, match="cache_entries"):
        OcrConfig(cache_entries=0)
    params = OcrConfig().rapidocr_params(Path("/m"))
    assert params["Det.limit_type"] == "max"
    assert params["Det.limit_side_len"] == 960
    assert params["Det.model_path"] == "/m/PP-OCRv6_det_small.onnx"


def test_scoring() -> None:
    assert normalise("Ｈello, World! 12") == "helloworld12"
    assert seq_recall("abcd", "abxd") == pytest.approx(0.75)
    assert bag_recall("abcd", "dcba") == 1.0
    assert seq_recall("abcd", "dcba") < 1.0
    assert seq_recall("", "x") == 1.0
    assert np.isclose(bag_recall("aab", "ab"), 2 / 3)


def test_missing_models_never_download(tmp_path: Path) -> None:
    from fairgate.ocr import OcrUnavailable, RapidOcrEngine

    engine = RapidOcrEngine(OcrConfig(model_dir=str(tmp_path)))
    with pytest.raises(OcrUnavailable, match="never downloads"):
        engine.recognise(Image.new("RGB", (64, 64)))
    assert list(tmp_path.iterdir()) == []


def test_evaluation_run_on_a_subset(service: OcrService, tmp_path: Path) -> None:
    from fairgate.evaluate.ocr import run

    for name in ("rapidocr_en.jpg", "paddleocr_word_1.jpg"):
        real(name)
        (tmp_path / "images").mkdir(exist_ok=True)
        (tmp_path / "gt").mkdir(exist_ok=True)
        stem = Path(name).stem
        (tmp_path / "images" / name).write_bytes((OCR_REAL / "images" / name).read_bytes())
        (tmp_path / "gt" / f"{stem}.txt").write_bytes(
            (OCR_REAL / "gt" / f"{stem}.txt").read_bytes()
        )
    report = run(tmp_path, repeats=2)
    out = report.to_dict()
    assert out["images"] == 2
    assert out["seq_recall"] >= 0.9
    # the no-text latencies are measured (``fairgate eval ocr``), not asserted: what is
    # asserted is that both no-text images take the exit that skips recognition
    assert float(str(out["no_text_seconds"])) > 0
    from fairgate.evaluate.ocr import synthetic_photo

    for image in (Image.new("RGB", (1280, 720), (236, 238, 240)), synthetic_photo(False)):
        assert service.recognise_image(service.prepare(encode(image, "JPEG"))).skipped_blank
    assert report.render().row_count == 2 + 5  # images, mean, p90, 3 synthetic latencies


def test_transparent_png_exif_orientation_applied() -> None:
    rgba = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((0, 0, 49, 99), fill=(0, 0, 0, 255))  # opaque left band
    exif = Image.Exif()
    exif[0x0112] = 3  # rotate 180
    out = io.BytesIO()
    rgba.save(out, "PNG", exif=exif)
    from fairgate.ocr.preprocess import ocr_image

    shown = ocr_image(MediaSource(out.getvalue(), limits=LIMITS))
    assert shown.getpixel((195, 50)) == (0, 0, 0)  # the band is now on the right
    assert shown.getpixel((5, 50)) == (255, 255, 255)


def test_loading_and_recognising_make_no_network_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from fairgate.ocr import RapidOcrEngine

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = RapidOcrEngine(OcrConfig(threads=1))
    result = engine.recognise(text_image("OFFLINE"))
    assert "OFFLINE" in result.text.upper()


def test_upside_down_text_is_turned(service: OcrService) -> None:
    image = text_image("UPSIDE DOWN 77").rotate(180)
    assert "UPSIDEDOWN77" in normalise(service.recognise_image(image).text).upper()


def grey_patch_on_photo() -> Image.Image:
    """#808080 words on a #8a8a8a patch of a real photo (the patch is what OCR finds,
    the words are what it misreads without the per-line contrast stretch)."""
    path = OCR_REAL.parent / "pdq-reference/images/reg-test-input/labelme-subset/q1050.jpg"
    if not path.exists():
        pytest.skip(f"shared test data missing: {path}")
    photo = Image.open(path).convert("RGB").resize((1280, 1280))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((300, 500, 760, 580), fill=(0x8A, 0x8A, 0x8A))
    draw.text((316, 520), "pay with gift cards", fill=(0x80, 0x80, 0x80), font=font(32))
    return photo


def test_faint_line_crop_is_stretched_and_clear_lines_are_not() -> None:
    from fairgate.ocr.preprocess import line_crop

    image = grey_patch_on_photo()
    box = ((312.0, 512.0), (650.0, 512.0), (650.0, 560.0), (312.0, 560.0))
    found = line_crop(image, box, 48)
    assert found is not None
    crop, (left, top) = found
    assert left < 312
    assert top < 512
    grey = np.asarray(crop.convert("L"))
    assert int(grey.max()) - int(grey.min()) > 200  # 10 grey levels stretched to full range
    clear = text_image("hello world")
    assert (
        line_crop(clear, ((20.0, 50.0), (300.0, 50.0), (300.0, 100.0), (20.0, 100.0)), 48) is None
    )


def test_grey_on_grey_words_on_a_photo_are_read(service: OcrService) -> None:
    result = service.recognise_image(service.prepare(encode(grey_patch_on_photo(), "JPEG")))
    assert "pay with gift cards" in result.text


class SmallOnlyEngine:
    """Reads a line only from images narrower than 900 px (as the detector misses
    small text on a whole large image but finds it in a quarter)."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def recognise(self, image: Image.Image) -> OcrResult:
        self.sizes.append(image.size)
        if image.width >= 900:
            return OcrResult()
        box = ((5.0, 6.0), (60.0, 6.0), (60.0, 20.0), (5.0, 20.0))
        return OcrResult((OcrLine("tiny", box, 0.9),))


def test_deep_retry_reads_quarters_and_maps_boxes_back() -> None:
    rng = np.random.default_rng(1)
    photo = Image.fromarray(rng.integers(0, 255, (1000, 1200, 3), dtype=np.uint8), "RGB")
    off = SmallOnlyEngine()
    assert OcrService(OcrConfig(deep_retry=False), engine=off).recognise_image(photo).lines == ()
    engine = SmallOnlyEngine()
    result = OcrService(OcrConfig(deep_retry=True), engine=engine).recognise_image(photo)
    assert engine.sizes[0] == (1200, 1000)
    assert engine.sizes[-4:] == [(720, 600)] * 4
    assert len(result.lines) == 4
    assert {line.box[0] for line in result.lines} == {
        (5.0, 6.0),
        (485.0, 6.0),
        (5.0, 406.0),
        (485.0, 406.0),
    }
    assert result.retried


# -- text-presence check and the budget inside one image ----------------------------
def smooth_texture(seed: int = 0) -> Image.Image:
    """A photo-like texture without a sharp edge (as ``fairgate eval ocr``'s textless photo)."""
    from fairgate.evaluate.ocr import synthetic_photo

    return synthetic_photo(with_text=False, seed=seed)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_smooth_texture_is_judged_textless_without_the_engine(fmt: str) -> None:
    engine = CountingEngine()
    ocr = OcrService(engine=engine)
    for seed in range(3):
        result = ocr.recognise_image(ocr.prepare(encode(smooth_texture(seed), fmt)))
        assert result.skipped_blank
        assert result.lines == ()
    assert engine.calls == 0


@pytest.mark.parametrize(
    ("text", "bg", "fg"),
    [("HELLO WORLD 2024", 128, 134), ("pay with gift cards", 0x8A, 0x80), ("tiny", 255, 0)],
)
def test_text_on_a_smooth_texture_reaches_the_engine(text: str, bg: int, fg: int) -> None:
    """Faint (6 grey levels) and small (12 px) text has sharp edges; the check lets it through."""
    from fairgate.ocr.preprocess import sharp_edge_pixels

    photo = smooth_texture()
    draw = ImageDraw.Draw(photo)
    patch = Image.new("RGB", (600, 80), (bg, bg, bg))
    # a soft-edged patch: only the glyphs may count as sharp edges
    mask = Image.new("L", patch.size, 0)
    ImageDraw.Draw(mask).rectangle((20, 20, 580, 60), fill=255)
    photo.paste(patch, (300, 300), mask.filter(ImageFilter.GaussianBlur(8)))
    draw = ImageDraw.Draw(photo)
    draw.text((330, 322), text, fill=(fg, fg, fg), font=font(12 if text == "tiny" else 32))
    engine = CountingEngine()
    ocr = OcrService(engine=engine)
    media = encode(photo, "JPEG")
    assert sharp_edge_pixels(ocr.prepare(media), 8) >= 1.5 * OcrConfig().sharp_edge_min_pixels
    result = ocr.recognise_image(ocr.prepare(media))
    assert not result.skipped_blank
    assert engine.calls >= 1
    off = OcrService(OcrConfig(sharp_edge_min_pixels=0), engine=CountingEngine())
    assert not off.recognise_image(off.prepare(encode(smooth_texture(), "JPEG"))).skipped_blank


class NothingEngine:
    """Reads nothing, slowly: every retry pass runs."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        time.sleep(self.delay)
        return OcrResult()


def test_budget_is_checked_between_the_passes_of_one_image() -> None:
    rng = np.random.default_rng(3)
    photo = Image.fromarray(rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8), "RGB")
    media = encode(photo)
    unlimited = NothingEngine(0.0)
    full = OcrService(OcrConfig(deep_retry=True), engine=unlimited).recognise(media)[0]
    assert unlimited.calls == 6  # first pass, CLAHE pass, four quarters
    assert not full.cut_short
    engine = NothingEngine(0.05)
    ocr = OcrService(OcrConfig(deep_retry=True, message_budget_seconds=0.12), engine=engine)
    message = ocr.recognise_message([media])
    result = message.attachments[0].result
    assert result is not None
    assert result.cut_short
    assert message.cut_short
    assert 1 <= engine.calls < 6
    assert len(ocr.cache) == 0  # a result cut short is read in full next time
    assert ocr.recognise(media)[1] is False
