"""Collapse stretched letters: ``cheeeap`` -> ``cheap``, ``sexxx`` -> ``sex``.

A run of two or more identical letters (any script, Han included) becomes
one letter. The step is applied to list terms as well, so text and terms
meet in the same space (``piills`` and ``pills`` both become ``pils``).

Collapsing doubles maps ordinary words onto each other (``ass`` -> ``as``,
``teen`` -> ``ten``, ``loose`` -> ``lose``); on list terms that would be a
false-positive machine, so the matcher (``text/matcher.py``) accepts a hit
in this form (and the forms after it) only when the sender's text behind it
is at least as long as the term's base key: ``as`` does not fire ``ass``,
``piiills`` fires ``pills``. What remains is a longer word meeting a shorter
term (``good`` -> ``god``), which needs a term that short in a list.
Digits, spaces and punctuation are left alone. Each output letter maps to
its whole run.
"""

from __future__ import annotations

import re

from fairgate.text.steps._mapping import Mapped, from_pieces

_RUN = re.compile(r"([^\W\d_])\1+")
# Same result, but the replacement is a literal (it deletes the extra
# letters), so ``sub`` never calls back into Python; the ASCII variant avoids
# Unicode class look-ups.
_EXTRA = re.compile(r"(?<=([^\W\d_]))\1+")
_EXTRA_ASCII = re.compile(r"(?<=([a-zA-Z]))\1+")


_DOUBLE_ASCII = re.compile(r"([a-zA-Z])\1")
"""A doubled ASCII letter: about 4x cheaper to look for than ``_EXTRA_ASCII``'s
look-behind at every position, and a third of messages have none."""


def collapse_repeats(text: str) -> str:
    """``text`` with runs of two or more of a letter collapsed to one."""
    if text.isascii():
        return _EXTRA_ASCII.sub("", text) if _DOUBLE_ASCII.search(text) else text
    return _EXTRA.sub("", text)


def collapse_repeats_mapped(text: str) -> Mapped:
    """:func:`collapse_repeats` with each letter mapped to its run."""
    pieces: list[tuple[str, int, int]] = []
    pos = 0
    for m in _RUN.finditer(text):
        pieces.extend((text[i], i, i + 1) for i in range(pos, m.start()))
        pieces.append((m.group(1), m.start(), m.end()))
        pos = m.end()
    pieces.extend((text[i], i, i + 1) for i in range(pos, len(text)))
    return from_pieces(pieces)
