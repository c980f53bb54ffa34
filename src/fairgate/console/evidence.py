"""How a decision's reasons are shown: the entry, the rule text, the highlighted span."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairgate.errors import NotFound
from fairgate.store.records import EntryRecord

if TYPE_CHECKING:
    from fairgate.engine import Engine


@dataclass(frozen=True, slots=True)
class Highlight:
    """Text cut around the matched characters (``before`` + ``match`` + ``after``)."""

    before: str
    match: str
    after: str


@dataclass(frozen=True, slots=True)
class ShownReason:
    rule: str | None
    rule_text: str
    list_name: str | None
    signal: str | None
    entry: EntryRecord | None
    evidence: dict[str, Any]
    ocr: Highlight | None


def highlight(text: str, matched: str | None, span: list[int] | None) -> Highlight:
    """Mark ``matched`` in ``text`` (case-insensitively), else the span if it fits."""
    if matched:
        at = text.casefold().find(matched.casefold())
        if at >= 0 and len(text.casefold()) == len(text):
            return Highlight(text[:at], text[at : at + len(matched)], text[at + len(matched) :])
    if span and len(span) == 2 and 0 <= span[0] <= span[1] <= len(text):
        a, b = span
        return Highlight(text[:a], text[a:b], text[b:])
    return Highlight(text, "", "")


def shown_reasons(engine: Engine, decision: dict[str, Any]) -> list[ShownReason]:
    rules = {r.id: r.text for r in engine.policy.rules}
    out = []
    for reason in decision.get("reasons") or []:
        entry = None
        if reason.get("entry_id") is not None:
            try:
                entry = engine.store.get_entry(int(reason["entry_id"]))
            except NotFound:
                entry = None
        evidence = dict(reason.get("evidence") or {})
        ocr_text = evidence.get("ocr_text")
        out.append(
            ShownReason(
                rule=reason.get("rule"),
                rule_text=rules.get(str(reason.get("rule")), ""),
                list_name=reason.get("list"),
                signal=reason.get("signal"),
                entry=entry,
                evidence=evidence,
                ocr=(
                    highlight(str(ocr_text), evidence.get("matched"), evidence.get("span"))
                    if ocr_text
                    else None
                ),
            )
        )
    return out
