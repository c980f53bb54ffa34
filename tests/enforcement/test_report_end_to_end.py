"""The transparency report over what the engine really did (not seeded rows)."""

from __future__ import annotations

from datetime import timedelta

from tests.enforcement.conftest import Clock, spam

from fairgate.engine import Engine
from fairgate.report.collect import collect
from fairgate.report.period import Period
from fairgate.types import Message


def test_the_report_counts_what_the_engine_did(due: Engine, clock: Clock) -> None:
    start = clock.now
    blocks = [due.screen(spam()) for _ in range(3)]  # warning, warning, 24 h
    due.screen(Message(sender="u2", text="hello"))
    due.screen(Message(sender="u3", text="gift card payment"))
    appeal = due.appeals.file(blocks[0].decision_id, "Quoted it.")
    clock.advance(hours=6)
    due.appeals.decide(appeal.id, "overturn", reason="Quoted.", by="rev")
    [hold] = due.review.queue(kind="hold")
    due.review.decide(hold.id, "deliver", reason="Fine.", by="rev")
    clock.advance(hours=1)

    policy = due.policy
    report = collect(
        due.store.engine,
        Period(start, clock.now + timedelta(seconds=1)),
        generated_at=clock.now,
        rules=[r.id for r in policy.rules],
        levels=[lv.name for lv in policy.enforcement.levels],
    )
    by_action = {c.label: c.count for c in report.decisions.by_action}
    assert by_action == {"deliver": 1, "hold": 1, "block": 3}
    by_rule = {r.label: (r.deliver, r.hold, r.block) for r in report.decisions.by_rule}
    assert by_rule["spam.advertising"] == (0, 0, 3)
    assert by_rule["scam.fraud"] == (0, 1, 0)
    assert by_rule["abuse.known-image"] == (0, 0, 0)
    assert report.appeals.filed == 1
    assert report.appeals.decided_overturned == 1
    assert report.appeals.median_seconds_to_decision == 6 * 3600
    levels = {r.level: (r.started, r.lifted) for r in report.restrictions}
    assert levels["restricted_24h"] == (1, 1)  # the overturn lifted it
    assert levels["permanent"] == (0, 0)
    reviews = {r.kind: {c.label: c.count for c in r.outcomes} for r in report.reviews}
    assert reviews["hold"]["deliver"] == 1
    assert reviews["appeal"]["overturn"] == 1
