"""The pure policy evaluator: matches + lists + policy -> Verdict. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fairgate.policy.schema import Policy
from fairgate.store.records import ListRecord
from fairgate.types import Action, ListAction, Match, MessageKind, Reason, Verdict

_ACTION_RANK = {Action.DELIVER: 0, Action.HOLD: 1, Action.BLOCK: 2}
DEFAULT_RULE_TEXT = "Content on the list {list!r} is not allowed here."
IMAGE_TEXT_SUFFIX = ":ocr"
"""Match sources ending in this are text recognised in an image (``attachment:N:ocr``)."""


def is_image_text(match: Match) -> bool:
    return match.source.endswith(IMAGE_TEXT_SUFFIX)


def reason_for(match: Match, lst: ListRecord, policy: Policy, kind: MessageKind) -> Reason | None:
    """The reason a match gives under the policy, or None if its rule does not
    apply to this kind of message (or the match is in image text and the rule
    does not say ``image_text: true``)."""
    rule = policy.rule_for(lst.name)
    if is_image_text(match) and (rule is None or not rule.image_text):
        return None
    kinds = rule.kinds if rule is not None and rule.kinds is not None else lst.kinds
    if kind not in kinds:
        return None
    if rule is None:
        return Reason(
            rule=f"list:{lst.name}",
            rule_text=DEFAULT_RULE_TEXT.format(list=lst.name),
            action=lst.action,
            severity=lst.severity,
            match=match,
        )
    return Reason(
        rule=rule.id,
        rule_text=rule.text,
        action=rule.action or lst.action,
        severity=lst.severity if rule.severity is None else rule.severity,
        match=match,
    )


def evaluate(
    matches: Sequence[Match],
    lists: Mapping[int, ListRecord],
    policy: Policy,
    kind: MessageKind,
) -> Verdict:
    """The strongest action any applicable reason asks for wins; ties go to the
    higher severity. Flag reasons deliver the message but are kept as reasons."""
    reasons: list[Reason] = []
    for match in matches:
        lst = lists.get(match.list_id)
        if lst is None:
            continue
        reason = reason_for(match, lst, policy, kind)
        if reason is not None:
            reasons.append(reason)
    if not reasons:
        return Verdict(Action.DELIVER, (), None, 0, 0, "")
    reasons.sort(
        key=lambda r: (_ACTION_RANK[r.action.to_action()], r.action is ListAction.FLAG, r.severity),
        reverse=True,
    )
    top = reasons[0]
    action = top.action.to_action()
    rule = policy.rule_for(top.match.list_name) if top.match is not None else None
    penalised = rule is not None and action is not Action.DELIVER
    points = rule.strike_points if rule is not None and penalised else 0
    jump_to = rule.level if rule is not None and penalised else None
    text = top.rule_text if action is not Action.DELIVER else ""
    return Verdict(action, tuple(reasons), top.rule, top.severity, points, text, jump_to)
