"""Chinese steps: Traditional -> Simplified (OpenCC ``t2s``) and the
homophone (toneless pinyin) form.

Both only touch texts that contain Han characters.

``to_simplified``: only texts holding at least one character that OpenCC
changes on its own are converted (most Chinese text is already Simplified
and skips OpenCC; a phrase-only conversion in a text with no such character
is the one thing this gate misses). OpenCC converts by phrase; when that keeps the length
(almost always) characters map 1:1. When it does not, both the fast and the
mapped version fall back to converting character by character, so they agree
and every output character maps to the character it came from.

``to_pinyin``: every character with a reading in ``pypinyin``'s
``pinyin_dict`` becomes one private-use character (plane 15, U+F0000..)
standing for its first reading without tone, so ``赌博`` and the pun ``堵搏``
(both ``du bo``) give the same text. ``ü`` stays distinct from ``u``. The
``str.translate`` table is built once, on first use.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Protocol, cast

from fairgate.text.steps._charclass import CharSet
from fairgate.text.steps._mapping import Mapped, identity, per_char
from fairgate.text.steps.han import HAN_RANGES, has_han

PINYIN_BASE = 0xF0000
"""First private-use code point of the syllable alphabet."""

_TONE_MARKS = frozenset("\u0300\u0301\u0304\u030c")  # grave, acute, macron, caron


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _t2s() -> _Converter:
    import opencc

    return cast(_Converter, opencc.OpenCC("t2s"))


@cache
def _traditional() -> CharSet:
    """Every character OpenCC ``t2s`` changes on its own, found on first use
    by converting each Han character once."""
    converter = _t2s()
    changed = [
        cp
        for lo, hi in HAN_RANGES
        for cp in range(lo, hi + 1)
        if converter.convert(chr(cp)) != chr(cp)
    ]
    return CharSet(changed)


def _needs_conversion(text: str) -> bool:
    return has_han(text) and _traditional().found_in(text)


def _convert(text: str) -> str:
    converter = _t2s()
    out = converter.convert(text)
    if len(out) != len(text):
        out = "".join(converter.convert(ch) for ch in text)
    return out


def to_simplified(text: str) -> str:
    """``text`` with Traditional Chinese converted to Simplified."""
    if not _needs_conversion(text):
        return text
    return _convert(text)


def to_simplified_mapped(text: str) -> Mapped:
    """:func:`to_simplified` with the origin of every character."""
    if not _needs_conversion(text):
        return identity(text)
    converter = _t2s()
    out = converter.convert(text)
    if len(out) == len(text):
        return identity(out)
    return per_char(text, converter.convert)


def toneless(reading: str) -> str:
    """``"dǔ"`` -> ``"du"``; ``"lǜ"`` -> ``"lü"``."""
    decomposed = unicodedata.normalize("NFD", reading.strip())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


@cache
def syllables() -> tuple[str, ...]:
    """The toneless syllables, in the order of their private-use code points."""
    return tuple(sorted(set(_first_readings().values())))


@cache
def _first_readings() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    readings: dict[int, str] = pinyin_dict
    result: dict[int, str] = {}
    for cp, value in readings.items():
        first = toneless(value.split(",", 1)[0])
        if cp >= 0x80 and first:
            result[cp] = first
    return result


@cache
def pinyin_table() -> dict[int, str]:
    """Code point -> private-use character of its toneless syllable."""
    index = {syllable: i for i, syllable in enumerate(syllables())}
    return {cp: chr(PINYIN_BASE + index[s]) for cp, s in _first_readings().items()}


def syllable_of(ch: str) -> str | None:
    """The toneless syllable a private-use character of this form stands for."""
    i = ord(ch) - PINYIN_BASE
    table = syllables()
    return table[i] if 0 <= i < len(table) else None


def to_pinyin(text: str) -> str:
    """``text`` with every Han character replaced by its syllable's character."""
    if not has_han(text):
        return text
    return text.translate(pinyin_table())


def to_pinyin_mapped(text: str) -> Mapped:
    """:func:`to_pinyin` with the origin of every character (always 1:1)."""
    return identity(to_pinyin(text))
