"""Regular-expression character classes built from sets of code points."""

from __future__ import annotations

import re
from collections.abc import Iterable


def char_class(codepoints: Iterable[int]) -> str:
    """``[...]`` matching exactly ``codepoints``, written as merged ranges
    (so ``re`` keeps the class compact even beyond the BMP)."""
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    if not ranges:
        return "[^\\s\\S]"
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return f"[{body}]"


_ANY_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class CharSet:
    """A fast "does the text hold any of these characters?" test.

    ``re`` compiles a class of BMP characters to a bitmap but searches a
    class with astral ranges range by range, so the astral members get their
    own pattern, searched only when the text has an astral character at all.
    """

    __slots__ = ("_astral", "_bmp")

    def __init__(self, codepoints: Iterable[int]) -> None:
        cps = set(codepoints)
        bmp = [cp for cp in cps if cp < 0x10000]
        astral = [cp for cp in cps if cp >= 0x10000]
        self._bmp = re.compile(char_class(bmp)) if bmp else None
        self._astral = re.compile(char_class(astral)) if astral else None

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds at least one member."""
        if self._bmp is not None and self._bmp.search(text) is not None:
            return True
        return (
            self._astral is not None
            and _ANY_ASTRAL.search(text) is not None
            and self._astral.search(text) is not None
        )
