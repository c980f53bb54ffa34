"""Notice texts from translatable catalogues, and the notice a sender is shown.

Catalogues are YAML files of ``key: template`` (``locales/en.yaml`` and
``locales/zh-Hans.yaml`` ship; ``notice_catalog_dir`` adds or overrides
locales). A key missing from a locale falls back to English, so a partial
translation still produces a whole notice. Templates may use only the
placeholders in :data:`PLACEHOLDERS`; a catalogue that uses another is refused
when it is loaded, not when a notice is sent.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fairgate.errors import PolicyError
from fairgate.types import Action, Notice, Reason

DEFAULT_LOCALE = "en"
PLACEHOLDERS = frozenset(
    {
        "rule_text",
        "decision_id",
        "what",
        "words",
        "n",
        "points",
        "until",
        "level",
        "capability",
        "reason",
    }
)
REQUIRED_KEYS = frozenset(
    {
        "block",
        "search_block",
        "hold",
        "restricted",
        "restricted_permanent",
        "automated",
        "reviewed",
        "what_text",
        "what_text_quote",
        "what_image",
        "what_image_text",
        "what_search",
        "what_account",
        "penalty_warning",
        "penalty_restriction",
        "penalty_permanent",
        "penalty_none",
        "appeal",
        "appeal_restricted",
        "appeal_upheld",
        "appeal_overturned",
        "hold_delivered",
        "hold_blocked",
        "never",
        "cap_send",
        "cap_search",
        "cap_pay",
        "or",
    }
)


def check_template(key: str, template: str, where: str) -> None:
    """``PolicyError`` unless ``template`` uses known placeholders only."""
    if not isinstance(template, str):
        raise PolicyError(f"{where}: {key}: a notice template must be text")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise PolicyError(f"{where}: {key}: {exc}") from None
    unknown = sorted(fields - PLACEHOLDERS)
    if unknown:
        raise PolicyError(
            f"{where}: {key}: unknown placeholder {{{unknown[0]}}} "
            f"(allowed: {', '.join(sorted(PLACEHOLDERS))})"
        )


def _load_file(text: str, where: str) -> dict[str, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{where}: a notice catalogue is a mapping of key: text")
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or key not in REQUIRED_KEYS:
            raise PolicyError(f"{where}: unknown notice key {key!r}")
        check_template(key, value, where)
        out[key] = value
    return out


class Catalog:
    """Notice templates by locale, English as the fallback for missing keys."""

    def __init__(self, locales: Mapping[str, Mapping[str, str]]) -> None:
        english = locales.get(DEFAULT_LOCALE, {})
        missing = sorted(REQUIRED_KEYS - set(english))
        if missing:
            raise PolicyError(f"the English notice catalogue lacks {', '.join(missing)}")
        self._locales = {name: {**english, **dict(t)} for name, t in locales.items()}

    @classmethod
    def load(
        cls,
        extra_dir: Path | None = None,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Catalog:
        """The shipped catalogues, then ``<locale>.yaml`` files of ``extra_dir``,
        then per-locale ``overrides`` (from the policy)."""
        locales: dict[str, dict[str, str]] = {}
        shipped = resources.files("fairgate.enforcement").joinpath("locales")
        for item in shipped.iterdir():
            if item.name.endswith(".yaml"):
                locales[item.name[:-5]] = _load_file(item.read_text("utf-8"), item.name)
        if extra_dir is not None:
            if not extra_dir.is_dir():
                raise PolicyError(f"{extra_dir}: notice catalogue folder not found")
            for path in sorted(extra_dir.glob("*.yaml")):
                try:
                    text = path.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise PolicyError(f"{path}: cannot read ({exc})") from None
                locales.setdefault(path.stem, {}).update(_load_file(text, str(path)))
        for name, templates in (overrides or {}).items():
            for key, value in templates.items():
                check_template(key, value, f"policy notices ({name})")
            locales.setdefault(name, {}).update(templates)
        return cls(locales)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._locales))

    def resolve(self, locale: str | None, default: str = DEFAULT_LOCALE) -> str:
        """The catalogue locale for a request: exact, then its language (``zh-Hans-CN``
        -> ``zh-Hans`` -> ``zh``...), then ``default``."""
        if locale:
            parts = locale.replace("_", "-").split("-")
            for n in range(len(parts), 0, -1):
                candidate = "-".join(parts[:n])
                for name in self._locales:
                    if name.lower() == candidate.lower():
                        return name
        return default if default in self._locales else DEFAULT_LOCALE

    def text(self, locale: str, key: str, **values: Any) -> str:
        templates = self._locales.get(locale) or self._locales[DEFAULT_LOCALE]
        return templates[key].format_map(_Values(values))

    def capabilities(self, locale: str, caps: Sequence[str]) -> str:
        words = [self.text(locale, f"cap_{c}") for c in caps if f"cap_{c}" in REQUIRED_KEYS]
        return self.text(locale, "or").join(words or list(caps))


class _Values(dict[str, Any]):
    """Missing placeholders render empty instead of raising at send time."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class PenaltyFacts:
    """What a decision did to the account, for the notice."""

    level: str | None = None
    restricted: tuple[str, ...] = ()
    until: datetime | None = None
    permanent: bool = False
    points: int = 0
    strikes_until: datetime | None = None


def what(catalog: Catalog, locale: str, reason: Reason, kind: str, *, quote: bool) -> str:
    """What was blocked, in the sender's words, never the listed content of an image list."""
    match = reason.match
    if match is None:
        return catalog.text(locale, "what_account")
    if kind == "search" and match.source == "text":
        return catalog.text(locale, "what_search")
    if match.source == "text":
        words = match.evidence.matched
        if quote and words:
            return catalog.text(locale, "what_text_quote", words=words)
        return catalog.text(locale, "what_text")
    parts = match.source.split(":")
    n = int(parts[1]) + 1 if len(parts) > 1 and parts[1].isdigit() else 1
    if match.source.endswith(":ocr"):
        return catalog.text(locale, "what_image_text", n=n)
    return catalog.text(locale, "what_image", n=n)


def _when(catalog: Catalog, locale: str, at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else catalog.text(locale, "never")


def penalty_text(catalog: Catalog, locale: str, penalty: PenaltyFacts) -> str | None:
    if penalty.restricted:
        caps = catalog.capabilities(locale, penalty.restricted)
        if penalty.permanent:
            return catalog.text(
                locale, "penalty_permanent", capability=caps, level=penalty.level or ""
            )
        return catalog.text(
            locale,
            "penalty_restriction",
            capability=caps,
            until=_when(catalog, locale, penalty.until),
            level=penalty.level or "",
        )
    if penalty.points > 0:
        return catalog.text(
            locale,
            "penalty_warning",
            points=penalty.points,
            until=_when(catalog, locale, penalty.strikes_until),
        )
    return None


def compose(
    catalog: Catalog,
    *,
    locale: str,
    decision_id: str,
    action: Action,
    kind: str,
    reason: Reason,
    penalty: PenaltyFacts,
    quote: bool,
    appeal_decision_id: str | None = None,
) -> Notice:
    """The whole notice for a block or hold: what, why, automated, penalty, appeal."""
    item = what(catalog, locale, reason, kind, quote=quote)
    if reason.match is None:
        r = reason.restriction or {}
        caps = catalog.capabilities(locale, list(r.get("capabilities") or ("send",)))
        ends = r.get("ends_at")
        until = datetime.fromisoformat(ends) if isinstance(ends, str) else None
        key = "restricted_permanent" if r.get("permanent") else "restricted"
        main = catalog.text(
            locale,
            key,
            capability=caps,
            until=_when(catalog, locale, until),
            level=str(r.get("level") or ""),
        )
        appeal_id = appeal_decision_id or str(r.get("cause_decision_id") or "")
        appeal = (
            catalog.text(locale, "appeal_restricted", decision_id=appeal_id) if appeal_id else None
        )
        return Notice(
            text=" ".join(p for p in (main, appeal) if p),
            rule=reason.rule,
            automated=True,
            penalty=None,
            appeal=appeal,
            what=item,
            rule_text=reason.rule_text,
            decision_id=decision_id,
            locale=locale,
        )
    key = "hold" if action is Action.HOLD else ("search_block" if kind == "search" else "block")
    main = catalog.text(locale, key, what=item, rule_text=reason.rule_text)
    auto = catalog.text(locale, "automated")
    pen = penalty_text(catalog, locale, penalty)
    appeal = catalog.text(locale, "appeal", decision_id=decision_id)
    return Notice(
        text=" ".join(p for p in (main, auto, pen, appeal) if p),
        rule=reason.rule,
        automated=True,
        penalty=pen,
        appeal=appeal,
        what=item,
        rule_text=reason.rule_text,
        penalty_until=penalty.until,
        penalty_permanent=penalty.permanent,
        decision_id=decision_id,
        locale=locale,
    )
