"""Normalised forms of a text, each mapping back to spans of the original.

Pure functions only. Matching runs over every form a text produces, and
every character of a form remembers which characters of the original it came
from, so evidence can show what the sender actually wrote.

The forms are cumulative: each is the previous form's text plus one more
step from ``text/steps/``, and is named after that step. Least transformed
first:

1. ``nfkc_casefold``: NFKC + casefold (full-width, ligatures, ``ß`` -> ``ss``);
2. ``invisible``: zero-width, bidi, variation selectors, soft hyphen, ... removed;
3. ``simplified``: Traditional -> Simplified Chinese (OpenCC ``t2s``);
4. ``confusable``: look-alikes (Cyrillic ``а``, Greek ``ο``, ``𝐚``) -> ASCII;
5. ``separator``: ``c.h.e.a.p`` -> ``cheap``, ``赌 博`` -> ``赌博``;
6. ``leet``: ``v1agra`` -> ``viagra``, ``c@sino`` -> ``casino`` inside words;
7. ``repeat``: runs of 3+ letters -> one, ``cheeeap`` -> ``cheap`` (terms too);
8. ``pinyin``: every Han character -> one private-use character per toneless
   syllable, so the homophone pun ``堵搏`` meets ``赌博``.

Why this order: invisible characters go before everything that looks at
neighbours (separators, leet tokens, repeats); ``simplified`` runs before
``confusable`` only so that all Chinese-only work sits early (the two do not
interact: confusables leave CJK alone); confusables go before the Latin
steps so ``ѵ1agra`` is ASCII first; separators before leet because leet
works on words and a spelled-out word is only a word once joined
(``c.h.3.a.p`` -> ``ch3ap`` -> ``cheap``; the reverse order would see the lone
``3`` as a number and keep it); repeats after both so ``c h e e e a p`` and
``fr33`` collapse; pinyin last, it is the loosest.

Each form is a ``FormSpec``: ``fast`` gives the text only (``str.translate``,
compiled patterns, steps skipped when they cannot apply: ASCII text skips
the Unicode and Chinese steps); ``mapped`` gives the text with the span map
(slow, only on a candidate hit). ``fast_forms`` computes the chain once and
drops forms whose text equals an earlier one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from fairgate.text.steps._mapping import Mapped, compose
from fairgate.text.steps.chinese import (
    to_pinyin,
    to_pinyin_mapped,
    to_simplified,
    to_simplified_mapped,
)
from fairgate.text.steps.confusables import fold_confusables, fold_confusables_mapped
from fairgate.text.steps.invisible import strip_invisible, strip_invisible_mapped
from fairgate.text.steps.leet import fold_leet_mapped, fold_leet_term, fold_leet_text
from fairgate.text.steps.nfkc import needs_clusters, whole_nfkc_casefold
from fairgate.text.steps.repeats import collapse_repeats, collapse_repeats_mapped
from fairgate.text.steps.separators import collapse_separators, collapse_separators_mapped


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


def _nfkc_casefold_fast(text: str) -> str:
    """The text of :func:`nfkc_casefold`, at C speed for the common cases."""
    if text.isascii():
        return text.lower()
    if needs_clusters(text):
        return nfkc_casefold(text).text
    return whole_nfkc_casefold(text)


def _nfkc_casefold_mapped(text: str) -> Mapped:
    form = nfkc_casefold(text)
    return Mapped(form.text, form.starts, form.ends)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the chain: its name (the name of the form it ends) and
    its two speeds (``mapped(t).text == fast(t)``)."""

    name: str
    fast: Callable[[str], str]
    mapped: Callable[[str], Mapped]


STEPS: tuple[Step, ...] = (
    Step("nfkc_casefold", _nfkc_casefold_fast, _nfkc_casefold_mapped),
    Step("invisible", strip_invisible, strip_invisible_mapped),
    Step("simplified", to_simplified, to_simplified_mapped),
    Step("confusable", fold_confusables, fold_confusables_mapped),
    Step("separator", collapse_separators, collapse_separators_mapped),
    Step("leet", fold_leet_text, fold_leet_mapped),
    Step("repeat", collapse_repeats, collapse_repeats_mapped),
    Step("pinyin", to_pinyin, to_pinyin_mapped),
)
"""The steps, in order; form ``i`` is the text after steps ``0..i``."""

_SEPARATOR = next(i for i, step in enumerate(STEPS) if step.name == "separator")
_LEET = next(i for i, step in enumerate(STEPS) if step.name == "leet")


def _term_step(index: int, text: str, *, li: bool) -> str:
    """Step ``index`` applied to a list term: as to messages, except that the
    leet step of the ``li`` variant always turns ``l`` into ``i`` (messages
    do that only when they hold leetspeak: see ``steps/leet.py``)."""
    if li and index == _LEET:
        return fold_leet_term(text)
    return STEPS[index].fast(text)


def _fast_chain(text: str, upto: int) -> str:
    for step in STEPS[: upto + 1]:
        text = step.fast(text)
    return text


@lru_cache(maxsize=1024)
def _fast_all(text: str, li: bool = False) -> tuple[str, ...]:
    """Every form of a term (cached: compiling a term list asks each form in
    turn for the keys of the same term)."""
    result: list[str] = []
    for i in range(len(STEPS)):
        text = _term_step(i, text, li=li)
        result.append(text)
    return tuple(result)


@lru_cache(maxsize=1024)
def _spaceless_all(term: str, li: bool = False) -> tuple[str, ...]:
    """Per form from ``separator`` on: the term's separator-form text without
    spaces, with the later steps applied (index as in ``STEPS``)."""
    text = "".join(_fast_all(term, li)[_SEPARATOR].split())
    result = [""] * _SEPARATOR + [text]
    for i in range(_SEPARATOR + 1, len(STEPS)):
        text = _term_step(i, text, li=li)
        result.append(text)
    return tuple(result)


@lru_cache(maxsize=256)
def _mapped_chain(text: str) -> tuple[Form, ...]:
    """Every form of ``text`` with its span map (cached: a hit in several
    forms of one message asks for them one by one)."""
    result: list[Form] = []
    current: Mapped | None = None
    for step in STEPS:
        if current is None:
            current = step.mapped(text)
        else:
            current = compose(current, step.mapped(current.text))
        result.append(Form(step.name, current.text, current.starts, current.ends))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class _ChainForm:
    """The form after ``STEPS[0..index]``."""

    name: str
    index: int

    def fast(self, text: str) -> str:
        return _fast_chain(text, self.index)

    def mapped(self, text: str) -> Form:
        return _mapped_chain(text)[self.index]

    def term_keys(self, term: str) -> tuple[str, ...]:
        variants = (False, True) if self.index >= _LEET else (False,)
        keys = [_fast_all(term, li)[self.index].strip() for li in variants]
        if self.index >= _SEPARATOR:
            # ``c h e a p p i l l s`` joins to ``cheappills``: give multi-word
            # terms a space-less key, with the later steps applied to it.
            keys.extend(_spaceless_all(term, li)[self.index].strip() for li in variants)
        return tuple(dict.fromkeys(k for k in keys if k))


FORMS: tuple[FormSpec, ...] = tuple(_ChainForm(step.name, i) for i, step in enumerate(STEPS))
"""The forms every text is matched in, least transformed first. The first
is the base form terms are validated and stored against."""


def fast_texts(text: str) -> tuple[str, ...]:
    """The fast text of every form, in the order of ``FORMS`` (equal ones included)."""
    result: list[str] = []
    value = text
    for step in STEPS:
        value = step.fast(value)
        result.append(value)
    return tuple(result)


def fast_forms(text: str) -> list[tuple[FormSpec, str]]:
    """Each form's fast text, dropping a form whose text equals an earlier one."""
    seen: set[str] = set()
    result: list[tuple[FormSpec, str]] = []
    for spec, value in zip(FORMS, fast_texts(text), strict=True):
        if value not in seen:
            seen.add(value)
            result.append((spec, value))
    return result


def forms(text: str) -> list[Form]:
    """Every distinct form of ``text`` with its span map."""
    return [spec.mapped(text) for spec, _ in fast_forms(text)]


def warm_up() -> None:
    """Build every lazily built table now (Unicode scans, the confusables
    file, OpenCC, the pinyin table: about a second in all) so the first
    screened message does not pay for them."""
    sample = "ｗａｒｍ\u200b ᴜр с.h.e.a.p v1agra cheeeap 賭 博 堵搏 \U0001d41a \u1100\u1161"
    for spec, _ in fast_forms(sample):
        spec.mapped(sample)


def normalize_term(term: str) -> str:
    """The base form of a list term (used to validate and deduplicate terms)."""
    return FORMS[0].fast(term).strip()
