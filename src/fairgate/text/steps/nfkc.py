"""When NFKC + casefold of a whole text equals the cluster-by-cluster result.

``normalize.nfkc_casefold`` normalises cluster by cluster (a starter plus the
combining marks after it) so every output character knows its source. That
Python loop is slow; NFKC of the whole string is C-speed. The two agree
unless something crosses a cluster boundary: a character that composes with
the character *before* it although it is a starter (Hangul vowel/final jamo,
Indic two-part vowels, ...) or a character whose normalised form begins with
a combining mark or such a character (half-width katakana voiced marks
``ﾞ``, ...). ``needs_clusters(text)`` says whether ``text`` holds one of
those; the set is derived from ``unicodedata`` on first use.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from fairgate.text.steps._charclass import CharSet

_HANGUL_JAMO_VT = ((0x1161, 0x1175), (0x11A8, 0x11C2))
_LAST_DECOMPOSABLE = 0x30000  # no decompositions or case folding beyond plane 2


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@cache
def _cross_boundary_chars() -> frozenset[int]:
    starters_that_combine: set[int] = set()
    for lo, hi in _HANGUL_JAMO_VT:
        starters_that_combine.update(range(lo, hi + 1))
    decomposable: list[str] = []
    for cp in range(_LAST_DECOMPOSABLE):
        ch = chr(cp)
        decomposition = unicodedata.decomposition(ch)
        if decomposition or ch.casefold() != ch:
            decomposable.append(ch)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                second = int(parts[1], 16)
                if unicodedata.combining(chr(second)) == 0:
                    starters_that_combine.add(second)
    risky = set(starters_that_combine)

    def risky_start(s: str) -> bool:
        return bool(s) and (unicodedata.combining(s[0]) != 0 or ord(s[0]) in starters_that_combine)

    for ch in decomposable:
        if unicodedata.combining(ch) != 0:
            continue  # a mark belongs to the cluster before it anyway
        if any(
            risky_start(form)
            for form in (
                unicodedata.normalize("NFKD", ch),
                _folded(ch),
                unicodedata.normalize("NFKD", _folded(ch)),
            )
        ):
            risky.add(ord(ch))
    return frozenset(risky)


@cache
def _cross_boundary() -> CharSet:
    return CharSet(_cross_boundary_chars())


def needs_clusters(text: str) -> bool:
    """Whether whole-string NFKC + casefold of ``text`` may differ from the
    cluster-by-cluster result."""
    return _cross_boundary().found_in(text)


# The full-width punctuation of everyday CJK text and the ideographic space:
# replacing a character by its NFKD never changes the NFKC of the string, and
# afterwards the text is often already NFKC-normal, which is much cheaper to
# check than to normalise. (``str.replace`` of an absent character is nearly free.)
_COMMON_WIDE = tuple((ch, unicodedata.normalize("NFKD", ch)) for ch in "，！？：；（）\u3000")


def whole_nfkc_casefold(text: str) -> str:
    """NFKC, casefold, NFKC again, over the whole string."""
    for wide, narrow in _COMMON_WIDE:
        text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    folded = text.casefold()
    if folded != text and not unicodedata.is_normalized("NFKC", folded):
        folded = unicodedata.normalize("NFKC", folded)
    return folded
