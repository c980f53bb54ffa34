from datetime import UTC, datetime

import pytest

from fairgate.policy import evaluate, parse_policy
from fairgate.store.records import ListRecord
from fairgate.types import Action, Evidence, ListAction, ListType, Match, MessageKind

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def lst(
    list_id: int,
    name: str,
    action: ListAction,
    severity: int = 1,
    kinds: tuple[MessageKind, ...] = ("chat", "search"),
) -> ListRecord:
    return ListRecord(list_id, name, ListType.TEXT, action, severity, kinds, "", NOW, "t")


def match(list_id: int, name: str, entry_id: int = 1) -> Match:
    return Match(list_id, name, entry_id, "term", "text", Evidence(span=(0, 3), term="abc"))


LISTS = {
    1: lst(1, "spam", ListAction.BLOCK, 2),
    2: lst(2, "scam", ListAction.HOLD, 3, ("chat",)),
    3: lst(3, "watch", ListAction.FLAG, 1),
}
POLICY = parse_policy(
    "rules:\n"
    "  - id: spam.ads\n    list: spam\n    text: No ads.\n    strike_points: 2\n"
    "  - id: watch.x\n    list: watch\n    text: Watched.\n    action: hold\n    severity: 4\n"
)


def test_no_matches_delivers() -> None:
    verdict = evaluate([], LISTS, POLICY, "chat")
    assert verdict.action is Action.DELIVER
    assert verdict.reasons == ()


def test_block_uses_the_rule_text_and_points() -> None:
    verdict = evaluate([match(1, "spam")], LISTS, POLICY, "chat")
    assert verdict.action is Action.BLOCK
    assert verdict.rule == "spam.ads"
    assert verdict.strike_points == 2
    assert "No ads." in verdict.notice_text


def test_list_without_rule_gets_an_implicit_rule() -> None:
    verdict = evaluate([match(2, "scam")], LISTS, POLICY, "chat")
    assert verdict.action is Action.HOLD
    assert verdict.rule == "list:scam"
    assert "scam" in verdict.notice_text


def test_rule_overrides_list_action_and_severity() -> None:
    verdict = evaluate([match(3, "watch")], LISTS, POLICY, "chat")
    assert verdict.action is Action.HOLD
    assert verdict.severity == 4


def test_flag_without_override_delivers_but_keeps_the_reason() -> None:
    verdict = evaluate([match(3, "watch")], LISTS, parse_policy(""), "chat")
    assert verdict.action is Action.DELIVER
    assert [r.action for r in verdict.reasons] == [ListAction.FLAG]
    assert verdict.notice_text == ""


@pytest.mark.parametrize(("kind", "expected"), [("chat", Action.HOLD), ("search", Action.DELIVER)])
def test_list_kinds_limit_where_it_applies(kind: MessageKind, expected: Action) -> None:
    assert evaluate([match(2, "scam")], LISTS, POLICY, kind).action is expected


def test_strongest_action_wins_and_all_reasons_are_kept() -> None:
    verdict = evaluate(
        [match(2, "scam"), match(1, "spam"), match(3, "watch")], LISTS, parse_policy(""), "chat"
    )
    assert verdict.action is Action.BLOCK
    assert verdict.reasons[0].match.list_name == "spam"
    assert len(verdict.reasons) == 3


def test_matches_of_unknown_lists_are_ignored() -> None:
    assert evaluate([match(99, "gone")], LISTS, POLICY, "chat").action is Action.DELIVER


def ocr_match(list_id: int, name: str) -> Match:
    evidence = Evidence(span=(0, 3), term="abc", box=((1, 2), (30, 2), (30, 12), (1, 12)))
    return Match(list_id, name, 1, "term", "attachment:0:ocr", evidence)


IMAGE_TEXT_POLICY = parse_policy(
    "rules:\n"
    "  - id: spam.ads\n    list: spam\n    text: No ads.\n    image_text: true\n"
    "  - id: watch.x\n    list: watch\n    text: Watched.\n    action: hold\n"
)


def test_image_text_matches_count_only_under_rules_that_ask_for_them() -> None:
    blocked = evaluate([ocr_match(1, "spam")], LISTS, IMAGE_TEXT_POLICY, "chat")
    assert blocked.action is Action.BLOCK
    assert blocked.rule == "spam.ads"
    assert blocked.reasons[0].match.source == "attachment:0:ocr"
    # the same list's rule without image_text, a rule-less list: the match is ignored
    assert evaluate([ocr_match(1, "spam")], LISTS, POLICY, "chat").action is Action.DELIVER
    assert evaluate([ocr_match(2, "scam")], LISTS, IMAGE_TEXT_POLICY, "chat").reasons == ()
    assert evaluate([ocr_match(3, "watch")], LISTS, IMAGE_TEXT_POLICY, "chat").reasons == ()
    # message text still counts under a rule without image_text
    assert evaluate([match(3, "watch")], LISTS, IMAGE_TEXT_POLICY, "chat").action is Action.HOLD


def test_wants_image_text_follows_rule_kinds() -> None:
    policy = parse_policy(
        "rules:\n  - id: a\n    list: spam\n    text: T\n    image_text: true\n    kinds: [chat]\n"
    )
    assert policy.wants_image_text("chat")
    assert not policy.wants_image_text("search")
    assert not POLICY.wants_image_text("chat")
