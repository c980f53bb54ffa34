"""Issue "accounts and due process", done-means scenario, on SQLite and PostgreSQL:
a sender climbs the example policy's ladder exactly; restrictions lift when the
clock passes their end; an overturned appeal restores the account and, with the
entry disabled, the same image is delivered again for everyone."""

from __future__ import annotations

import io

from PIL import Image
from tests.conftest import shared_file
from tests.enforcement.conftest import Clock, spam

from fairgate.engine import Engine
from fairgate.types import Action, Attachment, Message

BRIDGE = "pdq-reference/images/reg-test-input/dih/bridge-1-original.jpg"


def test_spam_climbs_the_ladder_exactly_as_the_policy_says(due: Engine, clock: Clock) -> None:
    # 1 point: a warning, nothing taken away.
    first = due.screen(spam())
    assert first.action is Action.BLOCK
    assert first.account.strike_points == 1
    assert first.account.restriction is None
    assert "send" in first.account.capabilities
    assert first.notice is not None
    assert "warning" in (first.notice.penalty or "")

    clock.advance(minutes=1)
    second = due.screen(spam())
    assert second.account.strike_points == 2
    assert second.account.restriction is None

    # 3 points: no sending for 24 hours, from now.
    clock.advance(minutes=1)
    third = due.screen(spam())
    assert third.account.strike_points == 3
    assert third.account.restriction == "restricted_24h"
    assert third.account.restricted_until == clock.now.replace() + _hours(24)
    assert set(third.account.capabilities) == {"search", "read", "pay", "export", "appeal"}
    assert third.notice is not None
    assert "cannot send messages until" in third.notice.text

    # While restricted, even an innocent message is blocked, with the
    # restriction as the reason and the causing decision named for appeals.
    clock.advance(hours=1)
    innocent = due.screen(Message(sender="u1", text="hello, how are you?"))
    assert innocent.action is Action.BLOCK
    assert innocent.reasons[0].rule == "account.restricted"
    assert innocent.to_dict()["reasons"][0]["signal"] == "account"
    assert innocent.notice is not None
    assert third.decision_id in innocent.notice.text
    assert innocent.account.strike_points == 3  # no new strike for a blocked send

    # A search is still allowed (the level takes only "send" away).
    assert due.screen(Message(sender="u1", text="weather", kind="search")).action is Action.DELIVER

    # The restriction lifts itself when the clock passes its end.
    clock.now = third.created_at + _hours(24)
    assert due.screen(Message(sender="u1", text="hello again")).action is Action.DELIVER
    assert due.accounts.state("u1").restriction is None

    # 4 and 5 points: the 24-hour level again (a new restriction each time it is
    # reached while none is in force); 6 points: seven days; then 10: permanent.
    fourth = due.screen(spam())
    assert (fourth.account.strike_points, fourth.account.restriction) == (4, "restricted_24h")
    clock.advance(hours=25)
    fifth = due.screen(spam())
    assert (fifth.account.strike_points, fifth.account.restriction) == (5, "restricted_24h")
    clock.advance(hours=25)
    sixth = due.screen(spam())
    assert (sixth.account.strike_points, sixth.account.restriction) == (6, "restricted_7d")
    assert sixth.account.restricted_until == clock.now + _hours(24 * 7)
    for _ in range(4):
        clock.advance(days=8)
        last = due.screen(spam())
    assert last.account.strike_points == 10
    assert last.account.restriction == "permanent"
    assert last.account.restriction_permanent
    assert last.account.restricted_until is None
    clock.advance(days=80)
    assert due.accounts.state("u1").restriction == "permanent"
    assert due.accounts.state("u1").can("appeal")
    assert due.accounts.state("u1").can("export")


def test_strikes_expire_after_the_window(due: Engine, clock: Clock) -> None:
    due.screen(spam())
    due.screen(spam())
    clock.advance(days=91)
    after = due.screen(spam())
    assert after.account.strike_points == 1  # the first two no longer count
    assert after.account.restriction is None


def test_known_abuse_image_goes_straight_to_permanent_and_an_overturn_undoes_it(
    due: Engine, clock: Clock
) -> None:
    photo = shared_file(BRIDGE)
    listed = due.lists.add_files("known-abuse", [photo], by="reviewer")
    assert listed.added
    copy = _resized(photo.read_bytes(), 0.5)

    decision = due.screen(Message(sender="u2", attachments=(Attachment(copy),)))
    assert decision.action is Action.BLOCK
    assert decision.reasons[0].rule == "abuse.known-image"
    assert decision.account.restriction == "permanent"
    notice = decision.notice
    assert notice is not None
    assert notice.what == "image 1 of your message"
    assert notice.penalty_permanent
    assert "can no longer send messages" in notice.text
    # Nobody else can send it either.
    assert due.screen(Message(sender="u3", attachments=(Attachment(copy),))).action is Action.BLOCK

    clock.advance(hours=2)
    appeal = due.appeals.file(
        decision.decision_id, "This is my own holiday photo.", account_id="u2"
    )
    assert [i.kind for i in due.review.queue()] == ["appeal"]
    clock.advance(hours=3)
    result = due.appeals.decide(
        appeal.id, "overturn", reason="Not the listed image.", by="rev1", disable_entries=True
    )
    assert result.appeal.status == "overturned"
    assert result.appeal.to_dict()["seconds_to_decision"] == 3 * 3600
    assert [s.decision_id for s in result.strikes_removed] == [decision.decision_id]
    assert [r.level for r in result.restrictions_lifted] == ["permanent"]
    matched = {r.match.entry_id for r in decision.reasons if r.match is not None}
    assert matched
    # the matched entries and the rest listed from the same file (its orb entry would match)
    assert set(result.entries_disabled) == {a.entry_id for a in listed.added} >= matched
    assert "reversed" in result.notice

    state = due.accounts.state("u2")
    assert (state.strike_points, state.restriction) == (0, None)
    assert state.can("send")
    assert due.review.queue() == []
    # u3's own block was not appealed: u3 stays restricted.
    assert due.accounts.state("u3").restriction == "permanent"
    # The entry no longer matches, for everyone.
    for sender in ("u2", "u4", "u5"):
        assert due.screen(Message(sender=sender, attachments=(Attachment(copy),))).action is (
            Action.DELIVER
        )


def test_overturning_one_strike_lifts_the_restriction_its_points_were_needed_for(
    due: Engine, clock: Clock
) -> None:
    blocks = []
    for _ in range(3):
        blocks.append(due.screen(spam()))
        clock.advance(minutes=1)
    assert due.accounts.state("u1").restriction == "restricted_24h"
    appeal = due.appeals.file(blocks[0].decision_id, "I was quoting the spam to warn a friend.")
    result = due.appeals.decide(appeal.id, "overturn", reason="Quoted to warn.", by="rev")
    assert [r.level for r in result.restrictions_lifted] == ["restricted_24h"]
    state = due.accounts.state("u1")
    assert (state.strike_points, state.restriction) == (2, None)


def test_an_upheld_appeal_changes_nothing(due: Engine, clock: Clock) -> None:
    decision = due.screen(spam())
    appeal = due.appeals.file(decision.decision_id, "Please look again.")
    result = due.appeals.decide(appeal.id, "uphold", reason="It is advertising.", by="rev")
    assert result.appeal.status == "upheld"
    assert "kept the decision" in result.notice
    assert due.accounts.state("u1").strike_points == 1


def _hours(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(hours=n)


def _resized(data: bytes, factor: float) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((int(img.width * factor), int(img.height * factor)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()
