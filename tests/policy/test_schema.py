from pathlib import Path

import pytest

from fairgate.errors import PolicyError
from fairgate.policy import load_policy, parse_policy
from fairgate.types import ListAction

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.yaml"


def test_example_policy_loads() -> None:
    policy = load_policy(EXAMPLE)
    rule = policy.rule_for("scam-terms")
    assert rule is not None
    assert rule.action is ListAction.HOLD
    assert rule.image_text is True
    abuse = policy.rule_for("known-abuse")
    assert abuse is not None
    assert abuse.image_text is False
    assert policy.rule_for("no-such-list") is None


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("rules:\n  - id: a\n    list: x\n    text: t\n    action: explode\n", 5, "action"),
        ("rules:\n  - id: a\n    list: x\n", 2, "text"),
        ("rules:\n  - id: a\n    list: x\n    text: t\n    colour: red\n", 5, "colour"),
        ("rules:\n  - id: a\n    list: x\n    text: t\n    severity: 99\n", 5, "severity"),
        ("rules:\n  - id: a\n    list: x\n    text: t\n    image_text: maybe\n", 5, "image_text"),
        ("rules: [\n", 2, "not valid YAML"),
        ("- just\n- a list\n", 1, "mapping"),
        (
            "rules:\n  - id: a\n    list: x\n    text: t\n  - id: a\n    list: y\n    text: t\n",
            1,
            "used twice",
        ),
    ],
)
def test_errors_name_the_line(source: str, line: int, fragment: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(source, name="p.yaml")
    message = str(info.value)
    assert message.startswith(f"p.yaml:{line}:"), message
    assert fragment in message


def test_bad_notice_template_is_rejected() -> None:
    with pytest.raises(PolicyError, match="notices"):
        parse_policy("notices:\n  block: 'blocked {nope}'\n", name="p.yaml")


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_empty_policy_is_valid() -> None:
    assert parse_policy("").rules == ()
