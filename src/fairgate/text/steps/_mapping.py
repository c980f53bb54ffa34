"""The span bookkeeping shared by the steps."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple


class Mapped(NamedTuple):
    """A step's output text and, per output character, its input span ``[start, end)``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def identity(text: str) -> Mapped:
    """``text`` unchanged, every character mapping to itself."""
    idx = tuple(range(len(text)))
    return Mapped(text, idx, tuple(i + 1 for i in idx))


def same_length(text: str, out: str) -> Mapped:
    """A step that replaced characters one for one."""
    if len(out) != len(text):
        raise ValueError("same_length needs equal lengths")
    return identity(out)


def per_char(text: str, convert: Callable[[str], str]) -> Mapped:
    """Apply ``convert`` to each character; each output piece maps to its source."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        piece = convert(ch)
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([i + 1] * len(piece))
    return Mapped("".join(out), tuple(starts), tuple(ends))


def from_pieces(pieces: Iterable[tuple[str, int, int]]) -> Mapped:
    """Build from ``(output piece, input start, input end)`` triples."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece, a, b in pieces:
        out.append(piece)
        starts.extend([a] * len(piece))
        ends.extend([b] * len(piece))
    return Mapped("".join(out), tuple(starts), tuple(ends))


def delete_matches(pattern: re.Pattern[str], text: str) -> Mapped:
    """``pattern.sub("", text)`` keeping the origin of every surviving character."""
    kept: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        kept.extend(range(pos, m.start()))
        pos = m.end()
    kept.extend(range(pos, len(text)))
    return Mapped("".join(text[i] for i in kept), tuple(kept), tuple(i + 1 for i in kept))


def compose(first: Mapped, second: Mapped) -> Mapped:
    """``second`` applied to ``first.text``, mapped back to ``first``'s input."""
    return Mapped(
        second.text,
        tuple(first.starts[s] for s in second.starts),
        tuple(first.ends[e - 1] for e in second.ends),
    )
