"""Strip invisible and format characters (``a\u200bb`` -> ``ab``).

The set is every character of general category ``Cf`` (zero-width space,
(non-)joiner, word joiner, BOM, soft hyphen, bidi controls, tag characters,
Mongolian vowel separator, ...) taken from ``unicodedata`` on first use,
plus the invisible characters of other categories: variation selectors
(FE00-FE0F, E0100-E01EF, Mongolian FVS1-4), the combining grapheme joiner and
the Hangul fillers. Emoji lose their ZWJ/variation selectors here, which is
harmless for matching (the earlier forms keep them).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

from fairgate.text.steps._charclass import CharSet, char_class
from fairgate.text.steps._mapping import Mapped, delete_matches

_EXTRA_RANGES: tuple[tuple[int, int], ...] = (
    (0xFE00, 0xFE0F),  # variation selectors
    (0xE0100, 0xE01EF),  # variation selectors supplement
    (0x180B, 0x180F),  # Mongolian free variation selectors (+ FVS4)
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x3164, 0x3164),  # Hangul filler
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
)


@cache
def invisible_chars() -> frozenset[str]:
    """Every character this step removes."""
    chars = {chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"}
    for lo, hi in _EXTRA_RANGES:
        chars.update(chr(cp) for cp in range(lo, hi + 1))
    return frozenset(chars)


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(char_class(ord(c) for c in invisible_chars()) + "+")


@cache
def _gate() -> CharSet:
    return CharSet(ord(c) for c in invisible_chars())


def strip_invisible(text: str) -> str:
    """``text`` without invisible/format characters."""
    if text.isascii() or not _gate().found_in(text):
        return text
    return _pattern().sub("", text)


def strip_invisible_mapped(text: str) -> Mapped:
    """:func:`strip_invisible` with the origin of every kept character."""
    return delete_matches(_pattern(), text)
