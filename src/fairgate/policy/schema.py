"""The policy file: which rule applies to which list, what it asks for, and
the words the sender is shown. Validated with pydantic; errors name the line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from fairgate.errors import PolicyError
from fairgate.policy.enforcement import Enforcement
from fairgate.types import ListAction, MessageKind

_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class Rule(BaseModel):
    """One rule: a list it covers, and what a match on that list means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    list: str
    text: str = Field(min_length=1, max_length=2000)
    """The human-readable rule, shown to the sender and the reviewer."""
    action: ListAction | None = None
    """Overrides the list's default action when set."""
    severity: int | None = Field(default=None, ge=0, le=10)
    kinds: tuple[MessageKind, ...] | None = None
    """Restricts the rule to these message kinds (default: the list's kinds)."""
    strike_points: int = Field(default=0, ge=0, le=1000)
    """Points a blocked message (or a held one a reviewer confirms) adds to the
    sender's strikes; the ladder (``enforcement.levels``) turns points into penalties."""
    level: str | None = None
    """A ladder level this rule sends the sender to at once, whatever the points
    (e.g. a known-abuse hash list); must name a level of ``enforcement.levels``."""
    quote_match: bool = True
    """The notice may quote the sender's own matched words back to them (text
    lists only; nothing of an image list is ever shown)."""
    image_text: bool = False
    """This rule's text list is also matched against text recognised in image
    attachments (OCR). Off by default: OCR runs only when some rule asks for it,
    and a match in image text counts only under a rule that has this set."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError("rule id must be 1-64 characters of letters, digits and _.:-")
        return value


class NoticeTemplates(BaseModel):
    """Per-policy overrides of the notice catalogue (fairgate.enforcement.notices):
    ``locale`` names the language they are written in; ``templates`` maps any
    catalogue key (``block``, ``hold``, ``appeal``...) to its text. ``block``,
    ``hold`` and ``appeal`` may also be given directly, as in earlier policies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    locale: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    block: str | None = None
    hold: str | None = None
    appeal: str | None = None
    templates: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _placeholders(self) -> NoticeTemplates:
        from fairgate.enforcement.notices import REQUIRED_KEYS, check_template

        for key, value in self.overrides().items():
            if key not in REQUIRED_KEYS:
                raise ValueError(f"unknown notice key {key!r}")
            try:
                check_template(key, value, "notices")
            except PolicyError as exc:
                raise ValueError(str(exc)) from None
        return self

    def overrides(self) -> dict[str, str]:
        direct = {"block": self.block, "hold": self.hold, "appeal": self.appeal}
        return {**{k: v for k, v in direct.items() if v is not None}, **self.templates}


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1, le=1)
    rules: tuple[Rule, ...] = ()
    notices: NoticeTemplates = NoticeTemplates()
    enforcement: Enforcement = Enforcement()

    @model_validator(mode="after")
    def _levels_exist(self) -> Policy:
        names = {lv.name for lv in self.enforcement.levels}
        for i, rule in enumerate(self.rules):
            if rule.level is not None and rule.level not in names:
                raise ValueError(
                    f"rules.{i}: level {rule.level!r} is not one of enforcement.levels "
                    f"({', '.join(sorted(names)) or 'none'})"
                )
        return self

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        seen: set[str] = set()
        lists: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            if rule.list in lists:
                raise ValueError(f"list {rule.list!r} has two rules; give it one")
            seen.add(rule.id)
            lists.add(rule.list)
        return rules

    def wants_image_text(self, kind: MessageKind) -> bool:
        """True if a rule that applies to ``kind`` matches text recognised in images."""
        return any(
            rule.image_text and (rule.kinds is None or kind in rule.kinds) for rule in self.rules
        )

    def rule_for(self, list_name: str) -> Rule | None:
        for rule in self.rules:
            if rule.list == list_name:
                return rule
        return None


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at pydantic's error location (best effort)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == part
                ),
                None,
            )
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_policy(source: str, *, name: str = "<policy>") -> Policy:
    """Parse and validate a policy; ``PolicyError`` names the file and line."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise PolicyError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{name}:1: a policy is a mapping with 'rules:'")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(root, loc)
        path = ".".join(str(p) for p in loc) or "(top)"
        where = f"{name}:{line}" if line else name
        raise PolicyError(f"{where}: {path}: {first['msg']}") from exc


def load_policy(path: Path) -> Policy:
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: policy is not UTF-8 text") from exc
    return parse_policy(source, name=str(path))
