"""The whole flow through ``Engine.screen`` on SQLite, against real photos."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from tests.conftest import EXAMPLES, shared_file

from fairgate.engine import Engine
from fairgate.errors import InvalidInput, MediaError, NotFound
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
    for reason in first.reasons:
        engine.lists.remove("known-abuse", reason.match.entry_id, by="test", reason="appeal upheld")
    assert engine.screen(image_message(sent)).action is Action.DELIVER


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
