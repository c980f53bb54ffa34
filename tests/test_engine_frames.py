"""Animated attachments in Engine.screen: the first ``media_max_frames`` frames are
screened, a match on any of them names its frame, and the rest is said to be skipped."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.signals.visual_helpers import photo
from tests.test_engine import CountingOcr, ocr_engine

from fairgate.engine import Engine
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr.engine import OcrLine, OcrResult
from fairgate.settings import Settings
from fairgate.signals.registry import builtin_signal_types
from fairgate.types import Action, Attachment, Decision, ListType, Message

SIDE = 256
FORMATS = ("GIF", "WEBP", "PNG")
"""PNG with ``save_all``: an APNG."""


def noise(seed: int, size: tuple[int, int]) -> Image.Image:
    """A textured frame that matches nothing listed (its PDQ quality is high)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    return Image.fromarray(small, "RGB").resize(size, Image.Resampling.BICUBIC)


def animation(fmt: str, frames: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=40, loop=0)
    return out.getvalue()


def listed_image() -> Image.Image:
    return photo("q0746", SIDE)


def with_listed_at(fmt: str, k: int, count: int = 12) -> bytes:
    """An animation of ``count`` frames where the listed photo is frame ``k`` only."""
    listed = listed_image()
    frames = [listed if i == k else noise(i, listed.size) for i in range(count)]
    return animation(fmt, frames)


def open_engine(tmp_path: Path, **settings: object) -> Engine:
    tmp_path.mkdir(parents=True, exist_ok=True)
    engine = Engine.open(
        settings=Settings(database_url=f"sqlite:///{tmp_path / 'frames.db'}", **settings)
    )
    engine.lists.create("known", ListType.IMAGE, by="test")
    path = tmp_path / "listed.png"
    listed_image().save(path)
    engine.lists.add_files("known", [path], by="test")
    return engine


def screen(engine: Engine, *data: bytes) -> Decision:
    return engine.screen(Message(sender="u", attachments=tuple(Attachment(d) for d in data)))


def skipped(decision: Decision) -> list[str]:
    return [n.detail for n in decision.notes if n.code == "frames_skipped"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_listed_image_in_a_later_frame_is_blocked_and_the_frame_named(
    tmp_path: Path, fmt: str
) -> None:
    with open_engine(tmp_path) as engine:
        decision = screen(engine, with_listed_at(fmt, 3))
        stored = engine.store.get_decision(decision.decision_id)
    assert decision.action is Action.BLOCK
    assert decision.reasons
    for reason in decision.reasons:
        assert reason.match is not None
        assert reason.match.source == "attachment:0"
        assert reason.match.evidence.frame == 3
        assert reason.match.evidence.variant is not None
        assert reason.match.evidence.variant.startswith("frame:3:")
    assert stored["reasons"][0]["evidence"]["frame"] == 3
    assert any(s["variant"] == "frame:3:original" for s in stored["signals"])
    # 12 frames, 8 screened: the Decision says the rest were skipped
    (note,) = skipped(decision)
    assert "8" in note
    assert "media_max_frames" in note
    if fmt != "GIF":  # APNG and WebP declare their frame count
        assert "8 of its 12 frames were screened" in note


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_listed_image_after_the_screened_frames_is_delivered_with_the_skip_said(
    tmp_path: Path, fmt: str
) -> None:
    data = with_listed_at(fmt, 10)
    with open_engine(tmp_path) as engine:
        decision = screen(engine, data)
    assert decision.action is Action.DELIVER
    (note,) = skipped(decision)
    assert "frames 0-7" in note
    assert "skipped" in note
    frames = {s.variant.split(":")[1] for s in decision.signals if s.variant.startswith("frame:")}
    assert frames == {str(k) for k in range(1, 8)}
    # the setting is honoured: with 11 frames screened, frame 10 is caught
    with open_engine(tmp_path / "more", media_max_frames=11) as engine:
        more = screen(engine, data)
    assert more.action is Action.BLOCK
    assert {r.match.evidence.frame for r in more.reasons if r.match} == {10}


def test_one_frame_is_the_old_behaviour(tmp_path: Path) -> None:
    data = with_listed_at("GIF", 1)
    settings = Settings(media_max_frames=1)
    with open_engine(tmp_path, media_max_frames=1) as engine:
        later = screen(engine, data)
        first = screen(engine, with_listed_at("GIF", 0))
    assert later.action is Action.DELIVER
    (note,) = skipped(later)
    assert "first frame was screened (frame 0)" in note
    # exactly the signals of the attachment's own (first-frame) decode
    media = MediaSource(data, limits=MediaLimits.from_settings(settings))
    expected = [
        (s.signal_type, s.value, s.variant)
        for t in builtin_signal_types(settings).values()
        for s in t.compute(0, media, reference=False)
    ]
    assert [(s.signal_type, s.value, s.variant) for s in later.signals] == expected
    assert first.action is Action.BLOCK
    assert {r.match.evidence.frame for r in first.reasons if r.match} == {0}
    assert {r.match.evidence.variant for r in first.reasons if r.match} <= {
        "original",
        "trim:original",
    }


def test_a_still_image_names_no_frame(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    listed_image().save(buffer, "PNG")
    with open_engine(tmp_path) as engine:
        decision = screen(engine, buffer.getvalue())
    assert decision.action is Action.BLOCK
    assert all(r.match and r.match.evidence.frame is None for r in decision.reasons)
    assert all("frame" not in r.to_dict()["evidence"] for r in decision.reasons)
    assert skipped(decision) == []


def test_an_animation_screened_whole_says_nothing_skipped(tmp_path: Path) -> None:
    with open_engine(tmp_path) as engine:
        decision = screen(engine, with_listed_at("WEBP", 4, count=6))
    assert decision.action is Action.BLOCK
    assert {r.match.evidence.frame for r in decision.reasons if r.match} == {4}
    assert skipped(decision) == []


def test_the_frame_pixel_budget_stops_decoding(tmp_path: Path) -> None:
    data = with_listed_at("PNG", 3)
    budget = 3 * SIDE * SIDE  # frames 0, 1 and 2
    with open_engine(tmp_path, media_max_frame_pixels=budget) as engine:
        decision = screen(engine, data)
    assert decision.action is Action.DELIVER
    (note,) = skipped(decision)
    assert "3 of its 12 frames were screened" in note
    assert "media_max_frame_pixels" in note


def test_a_truncated_later_frame_keeps_the_frames_before_it(tmp_path: Path) -> None:
    data = with_listed_at("GIF", 1, count=6)
    cut = data[: len(data) * 3 // 4]
    with open_engine(tmp_path) as engine:
        decision = screen(engine, cut)
    assert decision.action is Action.BLOCK
    assert {r.match.evidence.frame for r in decision.reasons if r.match} == {1}
    (note,) = skipped(decision)
    assert "could not be decoded" in note


class RedFrameOcr(CountingOcr):
    """Reads ``text`` only in images that are mostly red (one frame of the animation);
    records what it was shown, in order."""

    def __init__(self, text: str, red: dict[int, str] | None = None) -> None:
        super().__init__(text)
        self.seen: list[str] = []

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        r, g, b = (float(np.asarray(image)[..., c].mean()) for c in range(3))
        colour = "red" if r > g + 60 and r > b + 60 else "blue" if b > r + 60 else "other"
        self.seen.append(colour)
        if colour != "red":
            return OcrResult((), 0.0)
        box = ((10.0, 20.0), (210.0, 20.0), (210.0, 50.0), (10.0, 50.0))
        return OcrResult((OcrLine(self.text, box, 0.98),), 0.0)


def tinted(seed: int, colour: tuple[int, int, int]) -> Image.Image:
    """Sharp noise (OCR's text-presence check lets it through) over a colour."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (SIDE, SIDE, 3)).astype(np.float32) * 0.3
    return Image.fromarray((base + np.array(colour) * 0.7).astype(np.uint8), "RGB")


def test_text_in_a_later_frame_is_read_and_the_frame_named(tmp_path: Path) -> None:
    fake = RedFrameOcr("casino bonus")
    frames = [tinted(i, (0, 160, 0)) for i in range(5)]
    frames[2] = tinted(2, (255, 0, 0))
    still = tinted(9, (0, 0, 255))
    with ocr_engine(tmp_path, fake) as engine:
        decision = screen(engine, animation("PNG", frames), animation("PNG", [still]))
    assert decision.action is Action.BLOCK
    (reason,) = decision.reasons
    assert reason.match is not None
    assert reason.match.source == "attachment:0:ocr"
    assert reason.match.evidence.frame == 2
    # the first frames of every attachment are read before any later frame
    # (each image may be read more than once: the retry passes of a textless photo)
    assert list(dict.fromkeys(fake.seen)) == ["other", "blue", "red"]


def test_lines_of_two_frames_are_not_joined(tmp_path: Path) -> None:
    class SplitOcr(RedFrameOcr):
        def recognise(self, image: Image.Image) -> OcrResult:
            r, _, b = (float(np.asarray(image)[..., c].mean()) for c in range(3))
            word = "casino" if r > b + 60 else "bonus" if b > r + 60 else ""
            box = ((10.0, 20.0), (110.0, 20.0), (110.0, 50.0), (10.0, 50.0))
            return OcrResult((OcrLine(word, box, 0.98),) if word else (), 0.0)

    frames = [tinted(0, (255, 0, 0)), tinted(1, (0, 0, 255))]
    with ocr_engine(tmp_path, SplitOcr("")) as engine:
        decision = screen(engine, animation("PNG", frames))
    assert decision.action is Action.DELIVER


def test_later_frames_share_the_message_ocr_budget(tmp_path: Path) -> None:
    fake = RedFrameOcr("casino bonus")
    frames = [tinted(i, (255, 0, 0)) for i in range(4)]
    with ocr_engine(tmp_path, fake, ocr_message_budget_seconds=1e-9) as engine:
        decision = screen(engine, animation("PNG", frames))
    assert decision.action is Action.DELIVER
    exhausted = [n.detail for n in decision.notes if n.code == "ocr_budget_exhausted"]
    for k in (1, 2, 3):
        assert any(f"text in frame {k} of this image was not read" in d for d in exhausted)


def test_the_longest_frame_variant_fits_the_stored_column() -> None:
    """decision_signals.variant is 32 characters: every label of the last frame
    media_max_frames allows must fit, or storing the Decision would be refused."""
    from fairgate.signals.frames import frame_variant
    from fairgate.signals.pdq import VARIANTS
    from fairgate.signals.subimage import TILE_GRIDS
    from fairgate.store.validation import MAX_SIGNAL_TYPE_CHARS

    last = (Settings.model_fields["media_max_frames"].metadata[-1].le or 0) - 1
    assert last >= 1
    labels = [*VARIANTS, *(f"trim:{v}" for v in VARIANTS), "query:mirror"]
    labels += [f"tile:{c}x{r}:{c * r - 1}:mirror" for c, r in TILE_GRIDS]
    longest = max((frame_variant(last, label) for label in labels), key=len)
    assert len(longest) <= MAX_SIGNAL_TYPE_CHARS, longest
