"""Normalised forms of a text, each mapping back to spans of the original.

Pure functions only. Matching runs over every form a text produces, and
every character of a form remembers which characters of the original it came
from, so evidence can show what the sender actually wrote.

This module holds the seam for the evasion-robust forms (confusables,
leetspeak, separators, Traditional -> Simplified, homophones): each is one
more ``FormStep`` appended to ``FORM_STEPS``. The screening core ships the
first form, ``nfkc_casefold``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Form:
    """A transformed text plus, for each of its characters, the span
    ``[starts[i], ends[i])`` of the original text it came from."""

    name: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind ``text[start:end]`` (end exclusive)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}..{end} outside form of length {len(self.text)}")
        return self.starts[start], self.ends[end - 1]


def _clusters(text: str) -> Iterator[tuple[int, int]]:
    """Spans of a starter character plus the combining marks that follow it:
    the smallest pieces NFKC can be applied to without changing the result."""
    start = 0
    for i in range(1, len(text)):
        if unicodedata.combining(text[i]) == 0:
            yield start, i
            start = i
    if text:
        yield start, len(text)


def nfkc_casefold(text: str) -> Form:
    """NFKC then casefold, cluster by cluster, keeping the origin of every character."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for a, b in _clusters(text):
        piece = unicodedata.normalize("NFKC", text[a:b]).casefold()
        # casefold can leave text that is no longer NFKC-normal (rare); normalise again.
        piece = unicodedata.normalize("NFKC", piece)
        out.append(piece)
        starts.extend([a] * len(piece))
        ends.extend([b] * len(piece))
    return Form("nfkc_casefold", "".join(out), tuple(starts), tuple(ends))


class FormSpec(Protocol):
    """One form matching runs over: a pure function of the text, in two speeds.

    ``fast`` gives only the form's text (C-speed where possible: it runs on
    every message); ``mapped`` gives the same text with every character's
    origin (it runs only when ``fast`` produced a candidate hit). Invariant,
    property-tested: ``mapped(t).text == fast(t)``. ``term_keys`` is what a
    list term compiles to in this form: usually ``(fast(term).strip(),)``.
    """

    @property
    def name(self) -> str: ...

    def fast(self, text: str) -> str: ...

    def mapped(self, text: str) -> Form: ...

    def term_keys(self, term: str) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class _NfkcCasefold:
    name: str = "nfkc_casefold"

    def fast(self, text: str) -> str:
        if text.isascii():
            return text.lower()
        return nfkc_casefold(text).text

    def mapped(self, text: str) -> Form:
        return nfkc_casefold(text)

    def term_keys(self, term: str) -> tuple[str, ...]:
        key = self.fast(term).strip()
        return (key,) if key else ()


FORMS: tuple[FormSpec, ...] = (_NfkcCasefold(),)
"""The forms every text is matched in, least transformed first. The first
is the base form terms are validated and stored against."""


def fast_forms(text: str) -> list[tuple[FormSpec, str]]:
    """Each form's fast text, dropping a form whose text equals an earlier one."""
    seen: set[str] = set()
    result: list[tuple[FormSpec, str]] = []
    for spec in FORMS:
        value = spec.fast(text)
        if value not in seen:
            seen.add(value)
            result.append((spec, value))
    return result


def forms(text: str) -> list[Form]:
    """Every distinct form of ``text`` with its span map."""
    return [spec.mapped(text) for spec, _ in fast_forms(text)]


def normalize_term(term: str) -> str:
    """The base form of a list term (used to validate and deduplicate terms)."""
    return FORMS[0].fast(term).strip()
