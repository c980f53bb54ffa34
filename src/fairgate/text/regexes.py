"""Regular-expression rules of text lists, run with RE2 (never Python's ``re``).

RE2 matches in time linear in the text, so an operator's pattern cannot hang
screening; ``max_mem`` caps what one compiled pattern may use (a pattern
needing more is refused at add time, and RE2 falls back to its slower but
bounded engine when its DFA cache fills). Patterns are compiled
case-insensitive and run over every distinct form of a text except
``pinyin`` (its private-use characters mean nothing to a pattern), so
``fr[e3]+ money`` also catches ``ＦＲＥＥ money`` and ``f.r.e.e money``.
All patterns are tested in one pass with an ``re2.Set``; only the patterns
that hit are run again for their spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import re2  # type: ignore[import-untyped]

from fairgate.errors import InvalidInput

SKIP_FORMS = frozenset({"pinyin"})
"""Forms regexes do not run over."""


class RegexMatch(Protocol):
    def start(self) -> int: ...

    def end(self) -> int: ...


class Pattern(Protocol):
    """The part of a compiled RE2 pattern used here (google-re2 ships no types)."""

    def search(self, text: str) -> RegexMatch | None: ...

    def finditer(self, text: str) -> Iterator[RegexMatch]: ...


def options(max_mem: int) -> Any:
    opts = re2.Options()
    opts.max_mem = max_mem
    opts.case_sensitive = False
    opts.log_errors = False
    return opts


def compile_regex(pattern: str, *, max_mem: int) -> Pattern:
    """Compile one pattern; ``InvalidInput`` with RE2's reason if it cannot be."""
    try:
        compiled: Pattern = re2.compile(pattern, options(max_mem))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise InvalidInput(f"regex {pattern!r} is invalid: {reason}") from exc
    return compiled


def validate_regex(pattern: str, *, max_mem: int, max_chars: int) -> str:
    """The pattern if it is usable as a rule, else ``InvalidInput`` saying why."""
    if not pattern.strip():
        raise InvalidInput("regex is empty")
    if len(pattern) > max_chars:
        raise InvalidInput(f"regex is {len(pattern)} characters (at most {max_chars})")
    compiled = compile_regex(pattern, max_mem=max_mem)
    if compiled.search("") is not None:
        raise InvalidInput(f"regex {pattern!r} matches the empty text (it would match everything)")
    return pattern


@dataclass(frozen=True, slots=True)
class Rule:
    entry_id: int
    list_id: int
    pattern: str


@dataclass(frozen=True, slots=True)
class RegexHit:
    """A match of ``rule`` at ``[start, end)`` of the text of form ``form``."""

    form: int
    start: int
    end: int
    rule: Rule


class RegexRules:
    """Every regex rule compiled once, plus an ``re2.Set`` of all of them.
    A pattern that no longer compiles (limits lowered since it was added)
    is left out and listed in ``rejected``."""

    def __init__(self, rules: Iterable[Rule], *, max_mem: int) -> None:
        self._rules: list[tuple[Rule, Pattern]] = []
        self.rejected: list[Rule] = []
        self._set: Any = None
        for rule in rules:
            try:
                self._rules.append((rule, compile_regex(rule.pattern, max_mem=max_mem)))
            except InvalidInput:
                self.rejected.append(rule)
        if self._rules:
            pattern_set = re2.Set.SearchSet(options(max_mem))
            for rule, _ in self._rules:
                pattern_set.Add(rule.pattern)
            if pattern_set.Compile():
                self._set = pattern_set

    def __len__(self) -> int:
        return len(self._rules)

    def search(self, texts: Sequence[tuple[int, str]]) -> list[RegexHit]:
        """Non-empty matches of every rule in each ``(form index, text)``."""
        if not self._rules:
            return []
        hits: list[RegexHit] = []
        for index, text in texts:
            if self._set is not None:
                which: list[int] = self._set.Match(text)
                chosen = [self._rules[i] for i in which]
            else:  # the set exceeded its memory cap: run the rules one by one
                chosen = self._rules
            for rule, compiled in chosen:
                for m in compiled.finditer(text):
                    if m.end() > m.start():
                        hits.append(RegexHit(index, m.start(), m.end(), rule))
        return hits
