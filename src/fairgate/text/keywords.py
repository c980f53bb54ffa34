"""Term lists compiled to Aho-Corasick automata (pyahocorasick), one per list.

Each automaton holds the normalised terms of one list and is run over every
normalised form of a text. Latin-script terms only match on word boundaries,
so ``cheap pills`` fires on ``CHEAP Pills now`` and not on ``cheapskate
pillows``; scripts written without spaces (CJK) match anywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from fairgate.text.normalize import Form, normalize_term


@dataclass(frozen=True, slots=True)
class Term:
    entry_id: int
    list_id: int
    text: str
    """The term as listed (before normalisation)."""


@dataclass(frozen=True, slots=True)
class TermHit:
    entry_id: int
    list_id: int
    term: str
    form: str
    span: tuple[int, int]
    """Span in the original text."""


_SPACELESS_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def needs_boundary(ch: str) -> bool:
    """Whether a term starting/ending with ``ch`` must sit on a word boundary there.

    True for letters and digits of scripts that separate words with spaces.
    """
    if not _is_word_char(ch):
        return False
    name = unicodedata.name(ch, "")
    return not name.startswith(_SPACELESS_PREFIXES)


class TermAutomaton:
    """The automaton of one term list."""

    def __init__(self, terms: Iterable[Term], *, word_boundaries: bool = True) -> None:
        self._word_boundaries = word_boundaries
        self._automaton = ahocorasick.Automaton()
        count = 0
        grouped: dict[str, list[Term]] = {}
        for term in terms:
            key = normalize_term(term.text)
            if key:
                grouped.setdefault(key, []).append(term)
        for key, group in grouped.items():
            self._automaton.add_word(key, (key, tuple(group)))
            count += 1
        self._size = count
        if count:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def search(self, forms: Sequence[Form]) -> list[TermHit]:
        """Every occurrence of every term in any form, deduplicated by
        (entry, original span): the first form that matched is reported."""
        if not self._size:
            return []
        seen: set[tuple[int, tuple[int, int]]] = set()
        hits: list[TermHit] = []
        for form in forms:
            text = form.text
            for end_index, (key, group) in self._automaton.iter(text):
                start = end_index - len(key) + 1
                end = end_index + 1
                if self._word_boundaries and not self._on_boundaries(text, start, end, key):
                    continue
                span = form.original_span(start, end)
                for term in group:
                    marker = (term.entry_id, span)
                    if marker in seen:
                        continue
                    seen.add(marker)
                    hits.append(TermHit(term.entry_id, term.list_id, term.text, form.name, span))
        return hits

    @staticmethod
    def _on_boundaries(text: str, start: int, end: int, key: str) -> bool:
        if needs_boundary(key[0]) and start > 0 and _is_word_char(text[start - 1]):
            return False
        return not (needs_boundary(key[-1]) and end < len(text) and _is_word_char(text[end]))
