"""The account export: every decision about the account with its statement of
reasons and the review items opened for it (read a page of decisions per query)."""

from __future__ import annotations

from tests.enforcement.conftest import Clock, spam

from fairgate.enforcement.export import export_account
from fairgate.engine import Engine
from fairgate.types import Action, Message


def test_each_decision_carries_its_own_review_items(due: Engine, clock: Clock) -> None:
    held = due.screen(Message(sender="u1", text="a gift card payment please"))
    clock.advance(seconds=1)
    blocked = due.screen(spam("u1"))
    clock.advance(seconds=1)
    delivered = due.screen(Message(sender="u1", text="hello"))
    assert (held.action, blocked.action) == (Action.HOLD, Action.BLOCK)
    due.appeals.file(blocked.decision_id, "It was a quote.")
    due.screen(Message(sender="u2", text="a gift card payment please"))  # someone else's

    export = export_account(due, "u1")
    by_id = {d["decision_id"]: d for d in export["decisions"]}
    assert list(by_id) == [held.decision_id, blocked.decision_id, delivered.decision_id]
    assert [r["kind"] for r in by_id[held.decision_id]["reviews"]] == ["hold"]
    assert [r["kind"] for r in by_id[blocked.decision_id]["reviews"]] == ["appeal"]
    assert by_id[delivered.decision_id]["reviews"] == []
    assert by_id[blocked.decision_id]["statement_of_reasons"] is not None
