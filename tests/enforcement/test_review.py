"""The review queue: held messages wait for a person, retro-scan hits are
queued (not punished), claims keep two reviewers apart, hashes are purged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from tests.conftest import shared_file
from tests.enforcement.conftest import Clock

from fairgate.engine import Engine
from fairgate.errors import Conflict, InvalidInput
from fairgate.store import tables as t
from fairgate.types import Action, Attachment, Message

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"
SCAM = Message(sender="s1", text="send the gift card payment today")


def test_a_held_message_waits_for_a_person_and_is_penalised_only_if_confirmed(
    due: Engine, clock: Clock
) -> None:
    held = due.screen(SCAM)
    assert held.action is Action.HOLD
    assert held.account.strike_points == 0  # not yet: no person has looked
    assert held.notice is not None
    assert "held until a person reviews it" in held.notice.text
    [item] = due.review.queue()
    assert (item.kind, item.decision_id, item.rule) == ("hold", held.decision_id, "scam.fraud")

    due.review.claim(item.id, by="rev1")
    with pytest.raises(Conflict, match="claimed by rev1"):
        due.review.claim(item.id, by="rev2")
    with pytest.raises(Conflict, match="claimed by rev1"):
        due.review.decide(item.id, "block", reason="Fraud.", by="rev2")
    assert due.review.queue(reviewer="rev2") == []
    assert [i.id for i in due.review.queue(reviewer="rev1")] == [item.id]

    outcome = due.review.decide(item.id, "block", reason="Fraud.", by="rev1")
    assert outcome.item.status == "closed"
    assert outcome.item.outcome == "block"
    assert outcome.notice is not None
    assert "did not deliver" in outcome.notice
    state = due.accounts.state("s1")
    assert (state.strike_points, state.restriction) == (3, "restricted_24h")
    with pytest.raises(Conflict, match="already closed"):
        due.review.decide(item.id, "deliver", reason="Oops.", by="rev1")


def test_a_delivered_hold_gives_no_strike(due: Engine) -> None:
    due.screen(SCAM)
    [item] = due.review.queue()
    outcome = due.review.decide(item.id, "deliver", reason="A real gift.", by="rev1")
    assert outcome.notice is not None
    assert "delivered it" in outcome.notice
    assert due.accounts.state("s1").strike_points == 0


def test_a_stale_claim_can_be_taken_over(due: Engine, clock: Clock) -> None:
    due.screen(SCAM)
    [item] = due.review.queue()
    due.review.claim(item.id, by="rev1")
    clock.advance(minutes=due.settings.review_claim_minutes + 1)
    assert due.review.claim(item.id, by="rev2").claimed_by == "rev2"


def test_outcomes_must_fit_the_item_kind(due: Engine) -> None:
    due.screen(SCAM)
    [item] = due.review.queue()
    with pytest.raises(InvalidInput, match="deliver or block"):
        due.review.decide(item.id, "overturn", reason="x", by="rev")


def test_queue_filters_oldest_first(due: Engine, clock: Clock) -> None:
    first = due.screen(SCAM)
    clock.advance(hours=2)
    due.screen(Message(sender="s2", text="gift card payment now"))
    assert next(i.decision_id for i in due.review.queue()) == first.decision_id
    assert [i.decision_id for i in due.review.queue(older_than=timedelta(hours=1))] == [
        first.decision_id
    ]
    assert due.review.queue(list_name="spam-terms") == []
    assert len(due.review.queue(rule="scam.fraud")) == 2
    assert due.review.depth() == {"hold": 2}


def _jpeg(data: bytes, factor: float) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((int(img.width * factor), int(img.height * factor)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def test_listing_an_image_queues_earlier_senders_for_review_without_punishing_them(
    due: Engine, clock: Clock
) -> None:
    photo = shared_file(BRIDGE)
    copy = _jpeg(photo.read_bytes(), 0.6)
    earlier = due.screen(Message(sender="early", attachments=(Attachment(copy),)))
    assert earlier.action is Action.DELIVER
    due.screen(Message(sender="other", text="no image"))
    clock.advance(days=1)

    due.lists.add_files("known-abuse", [photo], by="reviewer")
    [item] = due.review.queue(kind="retro")
    assert (item.decision_id, item.account_id, item.rule) == (
        earlier.decision_id,
        "early",
        "abuse.known-image",
    )
    assert due.accounts.state("early").strike_points == 0  # queued, not punished
    # Scanning the same entries again does not queue the same message twice.
    lst = due.lists.get("known-abuse")
    entries = [(e.id, e.signal_type, e.value) for e in due.store.entries(lst.id)]
    again = due.retro.scan(lst, entries)
    assert [h.item_id for h in again] == [None]
    assert len(due.review.queue(kind="retro")) == 1
    confirmed = due.review.decide(item.id, "confirm", reason="Same image.", by="rev")
    assert confirmed.item.outcome == "confirm"
    assert due.accounts.state("early").restriction == "permanent"


def test_stored_hashes_are_purged_after_the_retention_period(due: Engine, clock: Clock) -> None:
    photo = shared_file(BRIDGE)
    due.screen(Message(sender="early", attachments=(Attachment(photo.read_bytes()),)))
    clock.advance(days=due.settings.media_retention_days + 1)
    recent = due.screen(
        Message(sender="late", attachments=(Attachment(_jpeg(photo.read_bytes(), 0.5)),))
    )
    assert due.retro.purge() > 0
    with due.store.engine.connect() as conn:
        senders = (
            conn.execute(
                select(t.decisions.c.sender)
                .join(
                    t.decision_signals,
                    t.decision_signals.c.decision_id == t.decisions.c.decision_id,
                )
                .distinct()
            )
            .scalars()
            .all()
        )
        assert senders == ["late"]
        kinds = conn.execute(
            select(func.count())
            .select_from(t.audit_events)
            .where(t.audit_events.c.kind == "retention.purge")
        ).scalar_one()
    assert kinds == 1
    assert due.store.get_decision(recent.decision_id)["signals"]
    # A purged image is not found by a later retro-scan.
    due.lists.add_files("known-abuse", [photo], by="reviewer")
    assert {i.account_id for i in due.review.queue(kind="retro")} == {"late"}
