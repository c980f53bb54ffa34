"""Appeals: once per decision, only by its sender, only on blocks and holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from tests.enforcement.conftest import Clock, spam
from tests.signals.visual_helpers import jpeg, photo

from fairgate.engine import Engine
from fairgate.errors import Conflict, Forbidden, InvalidInput, NotFound
from fairgate.types import Action, Attachment, Message


def test_an_appeal_is_filed_once(due: Engine) -> None:
    decision = due.screen(spam())
    due.appeals.file(decision.decision_id, "Please look again.")
    with pytest.raises(Conflict, match="already been appealed"):
        due.appeals.file(decision.decision_id, "Again, please.")
    assert len(due.appeals.list()) == 1


def test_only_the_sender_may_appeal(due: Engine) -> None:
    decision = due.screen(spam("alice"))
    with pytest.raises(Forbidden, match="another account"):
        due.appeals.file(decision.decision_id, "Not mine but unfair.", account_id="mallory")
    assert due.appeals.list() == []


def test_a_delivered_message_cannot_be_appealed(due: Engine) -> None:
    decision = due.screen(Message(sender="u1", text="hello"))
    with pytest.raises(InvalidInput, match="only blocks and holds"):
        due.appeals.file(decision.decision_id, "Why?")


def test_a_block_by_restriction_points_to_the_decision_that_caused_it(
    due: Engine, clock: Clock
) -> None:
    for _ in range(3):
        cause = due.screen(spam())
    blocked = due.screen(Message(sender="u1", text="hello"))
    with pytest.raises(InvalidInput, match=f"appeal decision {cause.decision_id}"):
        due.appeals.file(blocked.decision_id, "I did nothing now.")


@pytest.mark.parametrize("statement", ["", "   ", "x" * 5001])
def test_the_statement_is_required_and_bounded(due: Engine, statement: str) -> None:
    decision = due.screen(spam())
    with pytest.raises(InvalidInput, match="statement"):
        due.appeals.file(decision.decision_id, statement)


def test_unknown_decisions_and_appeals_are_not_found(due: Engine) -> None:
    with pytest.raises(NotFound):
        due.appeals.file("nope", "Please.")
    with pytest.raises(NotFound):
        due.appeals.decide(999, "uphold", reason="x", by="rev")


def test_a_decided_appeal_cannot_be_decided_again(due: Engine) -> None:
    appeal = due.appeals.file(due.screen(spam()).decision_id, "Please.")
    due.appeals.decide(appeal.id, "uphold", reason="Spam.", by="rev1")
    with pytest.raises(Conflict, match="already decided"):
        due.appeals.decide(appeal.id, "overturn", reason="Changed my mind.", by="rev2")


def test_outcomes_and_reasons_are_checked(due: Engine) -> None:
    appeal = due.appeals.file(due.screen(spam()).decision_id, "Please.")
    with pytest.raises(InvalidInput, match="uphold or overturn"):
        due.appeals.decide(appeal.id, "maybe", reason="x", by="rev")
    with pytest.raises(InvalidInput, match="reason"):
        due.appeals.decide(appeal.id, "overturn", reason=" ", by="rev")
    with pytest.raises(InvalidInput, match="overturned"):
        due.appeals.decide(appeal.id, "uphold", reason="Spam.", by="rev", disable_entries=True)
    assert due.appeals.get(appeal.id).status == "pending"


def test_overturning_with_disable_entries_disables_every_entry_of_the_listed_file(
    due: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "holiday.jpg"
    path.write_bytes(jpeg(photo("q0746", 512)))
    other = tmp_path / "other.jpg"
    other.write_bytes(jpeg(photo("q0122", 512)))
    added = due.lists.add_files("known-abuse", [path, other], by="test").added
    mine = {a.entry_id for a in added if a.source.endswith("holiday.jpg")}
    assert {"pdq", "ncc", "orb"} <= {a.signal_type for a in added if a.entry_id in mine}
    image = photo("q0746", 512).rotate(12, resample=Image.BICUBIC)
    w, h = image.size
    rotated_crop = jpeg(image.crop((w // 8, h // 8, w, h)))  # only local features catch it
    copy = due.screen(Message(sender="u1", attachments=(Attachment(path.read_bytes()),)))
    assert copy.action is Action.BLOCK
    matched_by = {r.match.signal_type for r in copy.reasons if r.match}
    assert matched_by <= {"sha256", "md5", "pdq", "ncc"}  # the cheap signals, not orb
    appeal = due.appeals.file(copy.decision_id, "my own photo", account_id="u1")
    decided = due.appeals.decide(
        appeal.id, "overturn", reason="own photo", by="rev", disable_entries=True
    )
    assert set(decided.appeal.disabled_entries) == mine
    known = due.lists.export_entries("known-abuse")
    assert {e.id for e in known} == {a.entry_id for a in added} - mine  # other.jpg's stay
    crop = due.screen(Message(sender="u2", attachments=(Attachment(rotated_crop),)))
    assert crop.action is Action.DELIVER
