"""Appeals: once per decision, only by its sender, only on blocks and holds."""

from __future__ import annotations

import pytest
from tests.enforcement.conftest import Clock, spam

from fairgate.engine import Engine
from fairgate.errors import Conflict, Forbidden, InvalidInput, NotFound
from fairgate.types import Message


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
