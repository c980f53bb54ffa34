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
from collections.abc import Callable, Iterator
from dataclasses import dataclass


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


FormStep = Callable[[str], Form]

FORM_STEPS: tuple[FormStep, ...] = (nfkc_casefold,)
"""The forms every text is matched in, in order. Later issues add steps here."""


def forms(text: str) -> list[Form]:
    """Every distinct form of ``text`` (a form identical to an earlier one is dropped)."""
    seen: set[str] = set()
    result: list[Form] = []
    for step in FORM_STEPS:
        form = step(text)
        if form.text not in seen:
            seen.add(form.text)
            result.append(form)
    return result


def normalize_term(term: str) -> str:
    """The form a list term is stored and compiled in (the first form)."""
    return FORM_STEPS[0](term).text.strip()
