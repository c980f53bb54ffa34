"""The ladder as pure functions, case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairgate.enforcement.facts import AccountFacts, RestrictionFact, StrikeFact
from fairgate.enforcement.standing import (
    active_points,
    penalize,
    restrictions_to_lift,
    standing,
)
from fairgate.policy.enforcement import Enforcement, parse_duration

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LADDER = Enforcement()


def strike(i: int, points: int, *, days_ago: float = 0, removed: bool = False) -> StrikeFact:
    at = NOW - timedelta(days=days_ago)
    return StrikeFact(
        i, "a", f"d{i}", "r", points, at, at + LADDER.strike_window, NOW if removed else None
    )


@pytest.mark.parametrize(
    ("before", "points", "level", "restricted_for"),
    [
        ([], 1, "warning", None),
        ([1], 1, "warning", None),
        ([1, 1], 1, "restricted_24h", timedelta(hours=24)),
        ([3], 3, "restricted_7d", timedelta(days=7)),
        ([5, 4], 1, "permanent", None),
        ([], 0, None, None),
    ],
)
def test_points_reach_levels(
    before: list[int], points: int, level: str | None, restricted_for: timedelta | None
) -> None:
    facts = AccountFacts("a", tuple(strike(i, p) for i, p in enumerate(before)))
    penalty = penalize(
        facts, LADDER, decision_id="new", rule="r", points=points, jump_to=None, now=NOW
    )
    assert (penalty.level.name if penalty.level else None) == level
    if level in ("restricted_24h", "restricted_7d"):
        assert penalty.restriction is not None
        assert penalty.restriction.ends_at == NOW + restricted_for
    if level == "permanent":
        assert penalty.restriction is not None
        assert penalty.restriction.ends_at is None
    if level in (None, "warning"):
        assert penalty.restriction is None


def test_expired_and_removed_strikes_do_not_count() -> None:
    strikes = [strike(1, 2, days_ago=91), strike(2, 2, removed=True), strike(3, 1, days_ago=89)]
    assert active_points(strikes, NOW) == 1


def test_a_jump_goes_straight_to_its_level() -> None:
    penalty = penalize(
        AccountFacts("a"), LADDER, decision_id="d", rule="r", points=0, jump_to="permanent", now=NOW
    )
    assert penalty.strike is None
    assert penalty.restriction is not None
    assert penalty.restriction.ends_at is None


def test_no_new_restriction_when_a_longer_one_is_in_force() -> None:
    week = RestrictionFact(
        1, "a", "restricted_7d", ("send",), NOW, NOW + timedelta(days=7), "d0", "x"
    )
    facts = AccountFacts("a", (strike(1, 2),), (week,))
    penalty = penalize(facts, LADDER, decision_id="d", rule="r", points=1, jump_to=None, now=NOW)
    assert penalty.level is not None
    assert penalty.level.name == "restricted_24h"
    assert penalty.restriction is None


def test_standing_is_computed_from_facts_and_the_clock() -> None:
    day = RestrictionFact(
        1, "a", "restricted_24h", ("send",), NOW, NOW + timedelta(days=1), "d", "x"
    )
    facts = AccountFacts("a", (strike(1, 3),), (day,))
    during = standing(facts, NOW + timedelta(hours=23))
    assert during.restriction == "restricted_24h"
    assert not during.can("send")
    assert during.can("read")
    assert during.can("pay")
    assert during.can("appeal")
    after = standing(facts, NOW + timedelta(hours=24))
    assert after.restriction is None
    assert after.can("send")
    assert after.strike_points == 3


def test_lifting_after_an_overturn_keeps_jumps_and_restrictions_still_earned() -> None:
    strikes = (strike(1, 1), strike(2, 1), strike(3, 1))
    earned = RestrictionFact(
        1,
        "a",
        "restricted_24h",
        ("send",),
        NOW,
        NOW + timedelta(days=1),
        "d2",
        "level reached: ...",
    )
    facts = AccountFacts("a", strikes, (earned,))
    assert [r.id for r in restrictions_to_lift(facts, LADDER, "d0", NOW)] == []
    fewer = AccountFacts("a", strikes[1:], (earned,))
    assert [r.id for r in restrictions_to_lift(fewer, LADDER, "d1", NOW)] == [1]


@pytest.mark.parametrize(
    ("text", "seconds"), [("24h", 86400), ("7d", 604800), ("30m", 1800), ("2w", 1209600), (90, 90)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "1y", "-1d", "0h", "h", "1.5d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
