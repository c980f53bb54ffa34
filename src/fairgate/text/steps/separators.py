"""Collapse separators put between single characters: ``c.h.e.a.p``,
``c h e a p``, ``c-h-e-a-p``, ``c_h_e_a_p``, ``c*h*e*a*p`` -> ``cheap``;
``赌 博``, ``赌*博``, ``賭.博`` -> ``赌博`` / ``賭博``.

Latin (any script written with spaces): a run of at least three single word
characters (letters/digits with no word character on either side), each pair
separated by the same separator of 1-3 non-word characters (``c . h . e``)
or by 1-3 copies of its first character (``_`` counts as a separator;
copies, since invisible characters stripped earlier leave ``c··h·e``), is
joined; a later character may be stretched (``c.h.eee.a.p``).
``c.h.e.a.p p.i.l.l.s`` -> ``cheap pills`` (the space is another separator,
so the runs stay apart, and ``buy a c.h.e.a.p pill`` keeps its ``a``);
``c h e a p  p i l l s`` -> ``cheappills``, which is why terms get a
space-less key in this form. Two single letters (``a b``) are left alone, and so are
runs with fewer than two letters (version numbers ``2.4.6``, ``1 2 3``).

Han: 1-3 separator characters between two Han characters are removed even
for a run of two. Separators here are white space and the symbols
``. * - _ ~ · • ・ ‧ + / \\ | # ^ = @ $ % &``; sentence punctuation
(``, ; : ! ?`` and ``。，``) is kept, so clauses are not glued together; the
enumeration comma ``、`` is a separator (``刷、单``). Finally a run of white
space is cut to its first character (``c a s i n o  b o n u s`` ->
``casino bonus``).
"""

from __future__ import annotations

import re

from fairgate.text.steps._mapping import Mapped, compose, delete_matches, from_pieces
from fairgate.text.steps.han import HAN_CLASS


def _latin(word: str, sep: str) -> re.Pattern[str]:
    # Every "character" may be one character stretched (``ccc.h.e.aaa.p``).
    return re.compile(
        f"(?<!{word})(?P<a>{word})(?P=a)*(?P<sep>(?P<sc>{sep}){sep}{{0,2}})(?P<b>{word})(?P=b)*"
        f"(?:(?:(?P=sep)|(?P=sc){{1,3}})(?P<c>{word})(?P=c)*)+(?!{word})"
    )


# ``@ $ ! |`` count as characters, not separators: they are leetspeak
# letters (``c.h.3.@.p``, ``p.!.l.1.$``), folded by the next step.
_LATIN = _latin(r"(?:[^\W_]|[@$!|])", r"(?:[^\w@$!|]|_)")
_LATIN_ASCII = _latin("[a-zA-Z0-9@$!|]", "[^a-zA-Z0-9@$!|]")
_HAN_SEP_CLASS = r"[\s.*\-_~·•・‧+/\\|#^=@$%&、]"
_HAN_SEP = re.compile(
    f"{_HAN_SEP_CLASS}(?<=[{HAN_CLASS}]{_HAN_SEP_CLASS}){_HAN_SEP_CLASS}{{0,2}}(?=[{HAN_CLASS}])"
)


def _kept(m: re.Match[str]) -> list[int]:
    """Positions (in the text) of the characters a run keeps: the one before
    the match and every word character in it; none when the run has fewer
    than two letters (``2.4.6``, ``1 2 3`` stay)."""
    start = m.start()
    kept = [start + i for i, ch in enumerate(m.group()) if ch.isalnum() or ch in "@$!|"]
    return kept if sum(1 for i in kept if m.string[i].isalpha()) >= 2 else []


def _joined(m: re.Match[str]) -> str | None:
    kept = _kept(m)
    return "".join(m.string[i] for i in kept) if kept else None


def _join(m: re.Match[str]) -> str:
    joined = _joined(m)
    return m.group() if joined is None else joined


_EXTRA_SPACE = re.compile(r"(?<=\s)\s+")
"""White space after white space: ``c a s i n o  b o n u s`` joins to
``casino  bonus``, and ``cheap   pills`` should meet ``cheap pills``."""


_TWO_SINGLES_ASCII = re.compile(
    r"(?<![a-zA-Z0-9@$!|])([a-zA-Z0-9@$!|])\1*[^a-zA-Z0-9@$!|]{1,3}"
    r"([a-zA-Z0-9@$!|])\2*(?![a-zA-Z0-9@$!|])"
)
"""Two single (maybe stretched) characters 1-3 separators apart: every run
``_LATIN_ASCII`` joins starts with one, and about 9 in 10 messages have none,
so the costlier pattern is skipped for them."""


def collapse_separators(text: str) -> str:
    """``text`` with separators between single characters removed and runs
    of white space cut to their first character."""
    if text.isascii():
        if _TWO_SINGLES_ASCII.search(text) is None:
            return _EXTRA_SPACE.sub("", text)
        return _EXTRA_SPACE.sub("", _LATIN_ASCII.sub(_join, text))
    return _EXTRA_SPACE.sub("", _HAN_SEP.sub("", _LATIN.sub(_join, text)))


def _latin_mapped(text: str) -> Mapped:
    pieces: list[tuple[str, int, int]] = []
    pos = 0
    for m in (_LATIN_ASCII if text.isascii() else _LATIN).finditer(text):
        pieces.extend((text[i], i, i + 1) for i in range(pos, m.start()))
        kept = _kept(m)
        indices = kept if kept else range(m.start(), m.end())
        pieces.extend((text[i], i, i + 1) for i in indices)
        pos = m.end()
    pieces.extend((text[i], i, i + 1) for i in range(pos, len(text)))
    return from_pieces(pieces)


def collapse_separators_mapped(text: str) -> Mapped:
    """:func:`collapse_separators` with the origin of every kept character."""
    latin = _latin_mapped(text)
    han = compose(latin, delete_matches(_HAN_SEP, latin.text))
    return compose(han, delete_matches(_EXTRA_SPACE, han.text))
