"""The whole flow through ``Engine.screen`` on SQLite, against real photos."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from tests.conftest import EXAMPLES, shared_file

from fairgate.engine import Engine
from fairgate.errors import InvalidInput, MediaError, NotFound
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.ocr import OcrLine, OcrResult, OcrUnavailable
from fairgate.policy import load_policy
from fairgate.settings import Settings
from fairgate.signals.ocr import OcrText
from fairgate.types import Action, Attachment, ListAction, ListType, Message

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"
UNRELATED = [
    "pdq-reference/images/reg-test-input/labelme-subset/" + name
    for name in ("q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg")
]


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def edits(path: Path) -> dict[str, bytes]:
    img = Image.open(path).convert("RGB")
    return {
        "jpeg-q50": jpeg(img, 50),
        "half-size": jpeg(img.resize((img.width // 2, img.height // 2), Image.LANCZOS)),
        "mirrored": jpeg(ImageOps.mirror(img)),
        "rotated-90": jpeg(img.rotate(90, expand=True)),
        "greyscale": jpeg(ImageOps.grayscale(img)),
    }


def image_message(data: bytes, sender: str = "u1") -> Message:
    return Message(sender=sender, attachments=(Attachment(data, filename="x.jpg"),))


@pytest.fixture
def listed(engine: Engine) -> Path:
    path = shared_file(BRIDGE)
    engine.lists.create("known-abuse", ListType.IMAGE, action=ListAction.BLOCK, severity=5)
    engine.lists.add_files("known-abuse", [path], by="test")
    return path


@pytest.mark.parametrize("edit", ["jpeg-q50", "half-size", "mirrored", "rotated-90", "greyscale"])
def test_edited_copies_of_a_listed_photo_are_blocked(
    engine: Engine, listed: Path, edit: str
) -> None:
    decision = engine.screen(image_message(edits(listed)[edit]))
    assert decision.action is Action.BLOCK
    pdq = [r for r in decision.reasons if r.match.signal_type == "pdq"]
    assert pdq, decision.reasons
    evidence = pdq[0].match.evidence
    assert evidence.distance is not None
    assert 0 <= evidence.distance <= engine.settings.pdq_match_distance
    assert pdq[0].rule == "abuse.known-image"
    assert decision.notice is not None
    assert decision.notice.appeal is not None
    assert decision.decision_id in decision.notice.appeal
    if edit in ("mirrored", "rotated-90"):
        assert evidence.variant != "original"


def test_a_matched_image_is_kept_with_its_decision_for_reviewers(
    engine: Engine, listed: Path
) -> None:
    """Library calls keep matched images too, in the decision's transaction;
    delivered images and hash-only attachments are never kept."""
    from fairgate.console import media

    blocked = engine.screen(image_message(edits(listed)["jpeg-q50"]))
    other = shared_file("pdq-reference/images/reg-test-input/labelme-subset/q0122.jpg")
    delivered = engine.screen(image_message(other.read_bytes(), sender="u3"))
    pdq = next(s.value for s in blocked.signals if s.signal_type == "pdq")
    hashed = engine.screen(
        Message(sender="u2", attachments=(Attachment(b"", hashes={"pdq": pdq}),))
    )
    assert (blocked.action, delivered.action, hashed.action) == (
        Action.BLOCK,
        Action.DELIVER,
        Action.BLOCK,
    )
    [kept] = media.held_for(engine.store.engine, blocked.decision_id)
    assert kept.data == edits(listed)["jpeg-q50"]
    assert kept.filename == "x.jpg"
    assert media.held_for(engine.store.engine, delivered.decision_id) == []
    assert media.held_for(engine.store.engine, hashed.decision_id) == []


def test_the_same_file_matches_exactly(engine: Engine, listed: Path) -> None:
    decision = engine.screen(image_message(listed.read_bytes()))
    assert decision.action is Action.BLOCK
    signals = {r.match.signal_type: r.match.evidence.distance for r in decision.reasons}
    assert signals["sha256"] == 0
    assert signals["md5"] == 0
    assert signals["pdq"] is not None
    assert signals["pdq"] <= 10


@pytest.mark.parametrize("relative", UNRELATED)
def test_unrelated_photos_are_delivered(engine: Engine, listed: Path, relative: str) -> None:
    decision = engine.screen(image_message(shared_file(relative).read_bytes()))
    assert decision.action is Action.DELIVER
    assert decision.reasons == ()
    assert decision.notice is None


def test_disabled_entries_stop_matching_at_once(engine: Engine, listed: Path) -> None:
    sent = edits(listed)["mirrored"]
    first = engine.screen(image_message(sent))
    assert first.action is Action.BLOCK
    assert {r.match.signal_type for r in first.reasons} == {"pdq"}
    for reason in first.reasons:
        engine.lists.remove("known-abuse", reason.match.entry_id, by="test", reason="appeal upheld")
    # u1 itself is now restricted (the example policy sends known abuse straight
    # to a permanent restriction); the pdq entries no longer match for anyone else,
    # and with no hash matching, the image's local-feature entry is verified.
    assert engine.screen(image_message(sent)).reasons[0].rule == "account.restricted"
    second = engine.screen(image_message(sent, sender="u2"))
    assert second.action is Action.BLOCK
    assert [r.match.signal_type for r in second.reasons] == ["orb"]
    engine.lists.remove("known-abuse", second.reasons[0].match.entry_id, by="test")
    assert engine.screen(image_message(sent, sender="u3")).action is Action.DELIVER


def test_a_second_engine_sees_new_entries_before_its_next_screen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Engine.open(url) as writer, Engine.open(url) as reader:
        writer.lists.create("spam", ListType.TEXT)
        assert reader.screen(Message(sender="u", text="buy cheap pills")).action is Action.DELIVER
        writer.lists.add_terms("spam", ["cheap pills"], by="test")
        assert reader.screen(Message(sender="u", text="buy cheap pills")).action is Action.BLOCK


def test_low_quality_images_are_not_matched_and_the_decision_says_so(engine: Engine) -> None:
    engine.lists.create("imgs", ListType.IMAGE)
    flat = jpeg(Image.new("RGB", (300, 300), (120, 120, 120)))
    engine.lists.add_hashes("imgs", [("pdq", "0" * 64)], by="test")
    decision = engine.screen(image_message(flat))
    assert decision.action is Action.DELIVER
    assert [n.code for n in decision.notes] == ["pdq_low_quality"]


def test_text_terms(engine: Engine) -> None:
    engine.lists.create("spam-terms", ListType.TEXT, action=ListAction.BLOCK)
    engine.lists.add_terms("spam-terms", ["cheap pills"], by="test")
    blocked = engine.screen(Message(sender="u", text="CHEAP Pills now"))
    assert blocked.action is Action.BLOCK
    (reason,) = blocked.reasons
    assert reason.rule == "spam.advertising"
    assert reason.match.evidence.span == (0, 11)
    assert reason.match.evidence.matched == "CHEAP Pills"
    assert reason.match.evidence.form == "nfkc_casefold"
    assert engine.screen(Message(sender="u", text="pillow")).action is Action.DELIVER
    assert engine.screen(Message(sender="u", text="cheapskate pillows")).action is Action.DELIVER


def test_example_term_lists_and_kinds(engine: Engine) -> None:
    engine.lists.create("scam-terms", ListType.TEXT, action=ListAction.HOLD, kinds=("chat",))
    terms = (EXAMPLES / "scam-terms.txt").read_text().splitlines()
    engine.lists.add_terms(
        "scam-terms", [t for t in terms if t and not t.startswith("#")], by="test"
    )
    text = "Please pay with gift cards today"
    assert engine.screen(Message(sender="u", text=text)).action is Action.HOLD
    assert engine.screen(Message(sender="u", text=text, kind="search")).action is Action.DELIVER


def test_decisions_are_stored_as_returned(engine: Engine) -> None:
    engine.lists.create("spam-terms", ListType.TEXT)
    engine.lists.add_terms("spam-terms", ["casino bonus"], by="test")
    decision = engine.screen(Message(sender="u", text="Casino bonus!", conversation="c1"))
    stored = engine.store.get_decision(decision.decision_id)
    assert stored == decision.to_dict()
    assert stored["reasons"][0]["evidence"]["matched"] == "Casino bonus"
    with pytest.raises(NotFound):
        engine.store.get_decision("nope")


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"not an image at all", "not a recognised image")],
)
def test_bad_attachments_raise_typed_errors(engine: Engine, data: bytes, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        engine.screen(image_message(data))


def test_bad_messages_raise_typed_errors(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="sender"):
        engine.screen(Message(sender="", text="x"))
    with pytest.raises(InvalidInput, match="limit"):
        engine.screen(Message(sender="u", text="x" * (engine.settings.max_text_chars + 1)))


def test_an_unrelated_large_photo_is_delivered(engine: Engine, listed: Path) -> None:
    other = shared_file("pdq-reference/images/reg-test-input/exif-rotn/exif-rotn-1.jpg")
    assert engine.screen(image_message(other.read_bytes())).action is Action.DELIVER


# -- text in images (OCR) ----------------------------------------------------
PHOTO = "pdq-reference/images/reg-test-input/labelme-subset/q0122.jpg"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def photo_with_text(text: str, at: tuple[int, int] = (30, 40)) -> bytes:
    """A real photo with ``text`` drawn on it, white with a dark outline."""
    img = Image.open(shared_file(PHOTO)).convert("RGB")
    font = (
        ImageFont.truetype(str(DEJAVU), 30) if DEJAVU.exists() else ImageFont.load_default(size=30)
    )
    ImageDraw.Draw(img).text(
        at, text, fill=(255, 255, 255), font=font, stroke_width=2, stroke_fill=(0, 0, 0)
    )
    return jpeg(img)


class CountingOcr:
    """An OcrEngine that reads ``text`` from every image, counting calls (and slow if asked)."""

    def __init__(self, text: str, delay: float = 0.0, fail: Exception | None = None) -> None:
        self.text = text
        self.delay = delay
        self.fail = fail
        self.calls = 0

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        time.sleep(self.delay)
        box = ((10.0, 20.0), (210.0, 20.0), (210.0, 50.0), (10.0, 50.0))
        return OcrResult((OcrLine(self.text, box, 0.98),), self.delay)


class TwoLineOcr(CountingOcr):
    """Reads ``text`` as two lines, one under the other (split at the middle word),
    on its first call (the photo); later calls (faint-line re-reads of crops)
    read nothing, so the lines stay as first read."""

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        if self.calls > 1:
            return OcrResult((), 0.0)
        words = self.text.split()
        half = len(words) // 2
        top = ((10.0, 20.0), (210.0, 20.0), (210.0, 50.0), (10.0, 50.0))
        below = ((12.0, 60.0), (250.0, 60.0), (250.0, 90.0), (12.0, 90.0))
        return OcrResult(
            (
                OcrLine(" ".join(words[:half]), top, 0.98),
                OcrLine(" ".join(words[half:]), below, 0.97),
            ),
            0.0,
        )


class TiltedLineOcr(CountingOcr):
    """Reads one line of text turned by about 15 degrees (rising to the right) as
    two boxes: the right half sits higher, so the engine's top-to-bottom order
    puts it first."""

    def recognise(self, image: Image.Image) -> OcrResult:
        self.calls += 1
        if self.calls > 1:
            return OcrResult((), 0.0)
        words = self.text.split()
        half = len(words) // 2
        left = ((100.0, 160.0), (300.0, 110.0), (308.0, 140.0), (108.0, 190.0))
        right = ((310.0, 105.0), (500.0, 55.0), (508.0, 85.0), (318.0, 135.0))
        return OcrResult(
            (
                OcrLine(" ".join(words[half:]), right, 0.97),
                OcrLine(" ".join(words[:half]), left, 0.98),
            ),
            0.0,
        )


def ocr_engine(tmp_path: Path, fake: CountingOcr, **settings: object) -> Engine:
    base = Settings().model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'ocr.db'}", **settings}
    )
    engine = Engine.open(
        settings=base, policy=load_policy(EXAMPLES / "policy.yaml"), ocr_engine=fake
    )
    engine.lists.create("spam-terms", ListType.TEXT, action=ListAction.BLOCK)
    engine.lists.add_terms("spam-terms", ["casino bonus", "cheap pills"], by="test")
    return engine


def test_listed_term_in_an_image_is_blocked_with_its_box(engine: Engine) -> None:
    """Real RapidOCR, end to end: blocked under image_text: true, delivered without it."""
    engine.lists.create("spam-terms", ListType.TEXT, action=ListAction.BLOCK)
    engine.lists.add_terms("spam-terms", ["casino bonus"], by="test")
    sent = image_message(photo_with_text("Casino Bonus here"))
    decision = engine.screen(sent)
    assert decision.action is Action.BLOCK
    (reason,) = decision.reasons
    assert reason.rule == "spam.advertising"
    assert reason.match.source == "attachment:0:ocr"
    evidence = reason.match.evidence
    assert evidence.term == "casino bonus"
    assert evidence.ocr_text is not None
    assert "casino bonus" in evidence.ocr_text.casefold()
    assert evidence.box is not None
    assert len(evidence.box) == 4
    xs = [x for x, _ in evidence.box]
    ys = [y for _, y in evidence.box]
    assert 15 <= min(xs) <= 45  # where the text was drawn
    assert 30 <= min(ys) <= 55
    assert max(xs) > min(xs) + 100
    stored = engine.store.get_decision(decision.decision_id)
    assert stored["reasons"][0]["evidence"]["box"] == [list(p) for p in evidence.box]
    # the same rule without image_text: OCR does not even run, the image is delivered
    rules = tuple(r.model_copy(update={"image_text": False}) for r in engine.policy.rules)
    engine.policy = engine.policy.model_copy(update={"rules": rules})
    assert engine.screen(sent).action is Action.DELIVER


def test_the_same_image_is_read_once(tmp_path: Path) -> None:
    fake = CountingOcr("CASINO BONUS tonight")
    with ocr_engine(tmp_path, fake) as engine:
        data = shared_file(PHOTO).read_bytes()
        first = engine.screen(image_message(data))
        calls = fake.calls  # one pass, plus one if the line's spot looks faint
        second = engine.screen(image_message(data, sender="u2"))
    assert 1 <= calls <= 2
    assert fake.calls == calls
    for decision in (first, second):
        assert decision.action is Action.BLOCK
        assert decision.reasons[0].match.evidence.box == ((10, 20), (210, 20), (210, 50), (10, 50))
        assert decision.reasons[0].match.evidence.matched == "CASINO BONUS"


def test_ocr_cache_size_is_a_setting(tmp_path: Path) -> None:
    fake = CountingOcr("nothing listed")
    with ocr_engine(tmp_path, fake, ocr_cache_entries=1) as engine:
        a = shared_file(PHOTO).read_bytes()
        b = shared_file(UNRELATED[1]).read_bytes()
        counts = []
        for data in (a, b, a):
            engine.screen(image_message(data))
            counts.append(fake.calls)
    read_a = counts[0]
    assert read_a >= 1
    assert counts[1] > counts[0]
    assert counts[2] - counts[1] == read_a  # b evicted a: a is read again


def test_spent_budget_skips_images_with_a_note(tmp_path: Path) -> None:
    fake = CountingOcr("casino bonus", delay=0.3)
    with ocr_engine(tmp_path, fake, ocr_message_budget_seconds=0.1) as engine:
        attachments = tuple(
            Attachment(shared_file(p).read_bytes()) for p in (PHOTO, UNRELATED[1], UNRELATED[2])
        )
        decision = engine.screen(Message(sender="u", text="cheap pills", attachments=attachments))
    assert 1 <= fake.calls <= 2  # attachment 0 only (and its faint-line re-read, if any)
    assert decision.action is Action.BLOCK
    sources = {r.match.source for r in decision.reasons}
    assert sources == {"text", "attachment:0:ocr"}
    skipped = [n for n in decision.notes if n.code == "ocr_budget_exhausted"]
    assert [n.source for n in skipped] == ["attachment:1", "attachment:2"]
    assert "budget" in skipped[0].detail


def test_ocr_disabled_is_said_in_a_note(tmp_path: Path) -> None:
    fake = CountingOcr("casino bonus")
    with ocr_engine(tmp_path, fake, ocr_enabled=False) as engine:
        decision = engine.screen(
            Message(
                sender="u",
                text="Cheap pills",
                attachments=(Attachment(shared_file(PHOTO).read_bytes()),),
            )
        )
        no_image = engine.screen(Message(sender="u", text="hello"))
    assert fake.calls == 0
    assert decision.action is Action.BLOCK  # still decided on the message text
    assert [n.code for n in decision.notes] == ["ocr_disabled"]
    assert no_image.notes == ()


def test_unavailable_ocr_engine_is_a_note_not_a_crash(tmp_path: Path) -> None:
    fake = CountingOcr("x", fail=OcrUnavailable("models missing"))
    with ocr_engine(tmp_path, fake) as engine:
        photo = Attachment(shared_file(PHOTO).read_bytes())
        decision = engine.screen(Message(sender="u", attachments=(photo, photo)))
    assert decision.action is Action.DELIVER
    notes = [(n.code, n.source) for n in decision.notes]
    assert notes == [("ocr_unavailable", "attachment:0"), ("ocr_unavailable", "attachment:1")]
    assert fake.calls == 1


def test_image_unreadable_for_ocr_is_a_note() -> None:
    """Pixel data that fails to decode (a truncated PNG) is a Note from the OCR signal;
    Engine.screen already refuses such an attachment with MediaError when hashing it."""
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    truncated = buf.getvalue()[:-40]
    fake = CountingOcr("x")
    ocr = OcrText(Settings(), fake)
    media = MediaSource(truncated, name="t.png", limits=MediaLimits.from_settings(Settings()))
    read = ocr.read([media])
    assert [n.code for n in read.notes] == ["ocr_unreadable"]
    assert fake.calls == 0
    with pytest.raises(MediaError, match="truncated or corrupt"):
        media.image()


def test_search_query_blocked_by_a_search_list(engine: Engine) -> None:
    engine.lists.create("spam-terms", ListType.TEXT, kinds=("chat", "search"))
    engine.lists.add_terms("spam-terms", ["casino bonus"], by="test")
    decision = engine.screen(Message(sender="u", text="best casino bonus", kind="search"))
    assert decision.action is Action.BLOCK
    assert decision.kind == "search"
    assert decision.notice is not None
    assert "Unsolicited advertising" in decision.notice.text
    assert decision.to_dict()["notice"]["text"] == decision.notice.text


def test_search_query_delivered_when_the_list_is_chat_only(engine: Engine) -> None:
    engine.lists.create("spam-terms", ListType.TEXT, kinds=("chat",))
    engine.lists.add_terms("spam-terms", ["casino bonus"], by="test")
    query = engine.screen(Message(sender="u", text="best casino bonus", kind="search"))
    assert query.action is Action.DELIVER
    assert query.notice is None
    chat = engine.screen(Message(sender="u", text="best casino bonus"))
    assert chat.action is Action.BLOCK


def test_a_term_broken_over_two_lines_is_found_with_both_boxes(tmp_path: Path) -> None:
    fake = TwoLineOcr("buy cheap pills today")
    with ocr_engine(tmp_path, fake) as engine:
        decision = engine.screen(image_message(shared_file(PHOTO).read_bytes()))
    assert decision.action is Action.BLOCK
    evidence = decision.reasons[0].match.evidence
    assert evidence.term == "cheap pills"
    assert evidence.ocr_text == "buy cheap pills today"
    assert evidence.box == ((10, 20), (250, 20), (250, 90), (10, 90))


def test_a_tilted_line_cut_in_two_is_matched_left_to_right(tmp_path: Path) -> None:
    fake = TiltedLineOcr("earn money from home")
    with ocr_engine(tmp_path, fake) as engine:
        engine.lists.add_terms("spam-terms", ["earn money from home"], by="test")
        decision = engine.screen(image_message(shared_file(PHOTO).read_bytes()))
    assert decision.action is Action.BLOCK
    (reason,) = [r for r in decision.reasons if r.match.evidence.term == "earn money from home"]
    assert reason.match.evidence.ocr_text == "earn money from home"
    assert reason.match.evidence.box == ((100, 55), (508, 55), (508, 190), (100, 190))


def test_lines_in_different_rows_keep_the_top_to_bottom_order() -> None:
    from fairgate.signals.ocr import RecognisedLine, row_order

    def line(text: str, x: int, y: int) -> RecognisedLine:
        return RecognisedLine(0, text, ((x, y), (x + 100, y), (x + 100, y + 30), (x, y + 30)), 0.9)

    below_left, above_right = line("second", 10, 60), line("first", 200, 20)
    assert [ln.text for ln in row_order([below_left, above_right])] == ["first", "second"]
    same_row = [line("b", 200, 22), line("a", 10, 20)]
    assert [ln.text for ln in row_order(same_row)] == ["a", "b"]


def test_a_term_on_one_of_several_lines_keeps_that_lines_box(tmp_path: Path) -> None:
    fake = TwoLineOcr("casino bonus here now")
    with ocr_engine(tmp_path, fake) as engine:
        decision = engine.screen(image_message(shared_file(PHOTO).read_bytes()))
    evidence = decision.reasons[0].match.evidence
    assert evidence.ocr_text == "casino bonus"
    assert evidence.box == ((10, 20), (210, 20), (210, 50), (10, 50))
