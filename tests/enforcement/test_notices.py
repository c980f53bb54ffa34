"""Notices: translatable catalogues, English fallback, checked placeholders,
and what the sender is (and is never) shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.enforcement.conftest import spam

from fairgate.enforcement.notices import REQUIRED_KEYS, Catalog
from fairgate.engine import Engine
from fairgate.errors import PolicyError
from fairgate.policy import parse_policy
from fairgate.types import Message


def test_both_shipped_locales_are_complete() -> None:
    catalog = Catalog.load()
    assert {"en", "zh-Hans"} <= set(catalog.locales)
    assert catalog.resolve("zh-Hans-CN") == "zh-Hans"
    assert catalog.resolve("zh_Hans") == "zh-Hans"
    assert catalog.resolve("fr") == "en"
    for key in REQUIRED_KEYS:
        assert catalog.text("zh-Hans", key) != catalog.text("en", key) or key == "or", key


def test_an_operator_catalogue_adds_a_language_and_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "de.yaml").write_text('block: "Nicht zugestellt: {what}: {rule_text}"\n', "utf-8")
    catalog = Catalog.load(tmp_path)
    assert catalog.resolve("de-AT") == "de"
    assert catalog.text("de", "block", what="x", rule_text="y") == "Nicht zugestellt: x: y"
    assert catalog.text("de", "appeal", decision_id="d1") == catalog.text(
        "en", "appeal", decision_id="d1"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('block: "bad {secret}"\n', "unknown placeholder"),
        ('nonsense: "x"\n', "unknown notice key"),
        ("- a list\n", "mapping"),
        ('block: "unbalanced {"\n', "block"),
    ],
)
def test_bad_catalogues_are_refused_when_loaded(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "xx.yaml").write_text(content, "utf-8")
    with pytest.raises(PolicyError, match=message):
        Catalog.load(tmp_path)


def test_policy_overrides_are_checked() -> None:
    with pytest.raises(PolicyError, match="unknown placeholder"):
        parse_policy("notices:\n  templates:\n    hold: 'held {nope}'\n")


def test_a_chinese_sender_gets_a_chinese_notice(due: Engine) -> None:
    decision = due.screen(Message(sender="u1", text="cheap pills", locale="zh-Hans"))
    assert decision.notice is not None
    assert decision.notice.locale == "zh-Hans"
    assert "你的消息未被发送" in decision.notice.text
    assert decision.decision_id in decision.notice.text


def test_a_notice_says_what_why_automated_penalty_and_how_to_appeal(due: Engine) -> None:
    decision = due.screen(spam())
    notice = decision.notice
    assert notice is not None
    assert notice.what == "the words “CHEAP pills” in your message"
    assert "Unsolicited advertising" in notice.text
    assert notice.automated
    assert "detected automatically" in notice.text
    assert notice.penalty is not None
    assert "warning" in notice.penalty
    assert notice.appeal is not None
    assert decision.decision_id in notice.appeal
    assert "appeal decision" in notice.text
    as_json = decision.to_dict()["notice"]
    assert as_json["decision_id"] == decision.decision_id
    assert as_json["penalty_until"] is None


def test_nothing_blocked_or_held_goes_without_a_notice(due: Engine) -> None:
    for message in (spam(), Message(sender="s", text="gift card payment")):
        decision = due.screen(message)
        assert decision.action.value in ("block", "hold")
        assert decision.notice is not None
        assert decision.notice.text
    assert due.screen(Message(sender="x", text="hello")).notice is None
