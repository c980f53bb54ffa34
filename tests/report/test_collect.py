"""The report's numbers, counted from a real database of each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.report.conftest import SINCE, UNTIL, Seeder, at, seed_november

from fairgate.report.collect import collect
from fairgate.report.methods import METHODS
from fairgate.report.model import NO_RULE, ActionRow, Report
from fairgate.report.period import Period
from fairgate.store import SqlStore

RULES = ("abuse.known-image", "scam.fraud", "spam.advertising", "unused.rule")
LEVELS = ("warning", "restricted_24h", "restricted_7d", "permanent")


def november(store: SqlStore) -> Report:
    return collect(
        store.engine, Period(SINCE, UNTIL), generated_at=UNTIL, rules=RULES, levels=LEVELS
    )


def rows(items: tuple[ActionRow, ...]) -> dict[str, tuple[int, int, int]]:
    return {r.label: (r.deliver, r.hold, r.block) for r in items}


def test_decisions_by_action_count_only_the_period(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    decisions = november(store).decisions
    assert [(c.label, c.count) for c in decisions.by_action] == [
        ("deliver", 3),
        ("hold", 1),
        ("block", 5),
    ]
    assert decisions.total == 9


def test_detection_method_comes_from_the_top_reason(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    by_method = rows(november(store).decisions.by_method)
    assert by_method == {
        "exact hash": (0, 0, 1),
        "perceptual match": (0, 0, 1),
        "keyword (message text)": (1, 0, 1),
        "keyword (text in image)": (0, 1, 0),
        "account restriction": (0, 0, 1),
        "vhash": (0, 0, 1),
        "none (no rule matched)": (2, 0, 0),
    }
    labels = [r.label for r in november(store).decisions.by_method]
    assert labels[: len(METHODS) - 1] == list(METHODS[:-1])
    assert labels[-1] == METHODS[-1]


def test_decisions_by_rule_list_policy_rules_at_zero(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    by_rule = november(store).decisions.by_rule
    assert rows(by_rule) == {
        "abuse.known-image": (0, 0, 2),
        "spam.advertising": (0, 0, 1),
        "scam.fraud": (0, 1, 0),
        "spam.watch": (1, 0, 0),
        "account.restricted": (0, 0, 1),
        "video.known": (0, 0, 1),
        "unused.rule": (0, 0, 0),
        NO_RULE: (2, 0, 0),
    }
    assert by_rule[0].label == "abuse.known-image"
    assert by_rule[-1].label == NO_RULE
    assert by_rule[-2].label == "unused.rule"


def test_appeals_filed_decided_and_median(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    appeals = november(store).appeals
    assert (appeals.filed, appeals.filed_upheld, appeals.filed_overturned, appeals.filed_open) == (
        4,
        1,
        1,
        2,
    )
    assert (appeals.decided_upheld, appeals.decided_overturned) == (2, 1)
    assert appeals.median_seconds_to_decision == pytest.approx(12 * 3600)
    assert appeals.open_at_end == 2


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(
    store: SqlStore, seeder: Seeder
) -> None:
    seeder.decision("d-1", at(11, 2), "block", ("r", "term", "text"))
    seeder.decision("d-2", at(11, 2), "block", ("r", "term", "text"))
    seeder.appeal("d-1", at(11, 3), "upheld", at(11, 3, 2))
    seeder.appeal("d-2", at(11, 3), "overturned", at(11, 3, 6))
    assert november(store).appeals.median_seconds_to_decision == pytest.approx(4 * 3600)


def test_restrictions_by_level(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    restrictions = november(store).restrictions
    assert [(r.level, r.started, r.permanent, r.lifted) for r in restrictions] == [
        ("warning", 1, 0, 0),
        ("restricted_24h", 2, 0, 1),
        ("restricted_7d", 0, 0, 0),
        ("permanent", 2, 2, 0),
    ]


def test_stored_levels_are_listed_without_a_policy(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    report = collect(store.engine, Period(SINCE, UNTIL), generated_at=UNTIL)
    levels = {r.level: r.started for r in report.restrictions}
    assert levels == {"permanent": 2, "restricted_24h": 2, "restricted_7d": 0, "warning": 1}


def test_reviews_by_kind_and_outcome(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    reviews = {r.kind: r for r in november(store).reviews}
    assert list(reviews) == ["hold", "retro", "appeal"]
    hold, retro, appeal = reviews["hold"], reviews["retro"], reviews["appeal"]
    assert (hold.created, hold.decided, hold.open_at_end) == (3, 2, 1)
    assert [(o.label, o.count) for o in hold.outcomes] == [
        ("deliver", 1),
        ("block", 0),
        ("expired", 1),
    ]
    assert (retro.created, retro.decided, retro.open_at_end) == (1, 1, 1)
    assert [(o.label, o.count) for o in retro.outcomes] == [("dismiss", 0), ("confirm", 1)]
    assert (appeal.created, appeal.decided, appeal.open_at_end) == (1, 1, 0)


def test_an_empty_period_gives_zero_rows(store: SqlStore, seeder: Seeder) -> None:
    seed_november(seeder)
    empty = Period(SINCE - timedelta(days=400), SINCE - timedelta(days=300))
    report = collect(store.engine, empty, generated_at=UNTIL, rules=("spam.advertising",))
    d = report.decisions
    assert d.total == 0
    assert [c.count for c in d.by_action] == [0, 0, 0]
    assert [r.label for r in d.by_method] == list(METHODS)
    assert all(r.total == 0 for r in d.by_method)
    assert rows(d.by_rule) == {"spam.advertising": (0, 0, 0), NO_RULE: (0, 0, 0)}
    assert report.appeals.median_seconds_to_decision is None
    assert report.appeals.filed == report.appeals.decided == report.appeals.open_at_end == 0
    assert {r.level for r in report.restrictions} == set(LEVELS)
    assert all(r.started == 0 for r in report.restrictions)
    assert [(r.kind, r.created, r.decided) for r in report.reviews] == [
        ("hold", 0, 0),
        ("retro", 0, 0),
        ("appeal", 0, 0),
    ]


def test_an_empty_database(store: SqlStore) -> None:
    report = november(store)
    assert report.decisions.total == 0
    assert [r.level for r in report.restrictions] == list(LEVELS)
    assert report.to_dict()["appeals"]["median_seconds_to_decision"] is None
