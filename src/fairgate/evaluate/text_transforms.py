"""Evasion transformations of a listed term, as spammers write them.

Each transformation is a pure function of (term, rng): it returns the evaded
spelling, or ``None`` when it does not apply to that term (leetspeak on
Chinese, Traditional on a term that is the same in both scripts ...). Given
the same seeded ``random.Random`` it returns the same text.

``traditional`` also converts the carrier sentence (people who write
Traditional write the whole message in it): see ``WHOLE_MESSAGE``.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from functools import cache
from itertools import combinations

Transform = Callable[[str, random.Random], str | None]

INVISIBLES = (
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u00ad",  # soft hyphen
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u2060",  # word joiner
    "\ufeff",  # zero width no-break space
    "\ufe0f",  # variation selector 16
    "\ufe00",  # variation selector 1
)

_CYRILLIC_GREEK = {
    "a": "аα",
    "c": "с",
    "e": "еε",
    "h": "һ",
    "i": "іι",
    "j": "ј",
    "k": "κ",
    "o": "оο",
    "p": "рρ",
    "s": "ѕ",
    "v": "ν",
    "x": "хχ",
    "y": "уγ",
    "u": "υ",
    "t": "τ",
    "A": "АΑ",
    "B": "ВΒ",
    "C": "С",
    "E": "ЕΕ",
    "H": "НΗ",
    "I": "ІΙ",
    "K": "КΚ",
    "M": "МΜ",
    "O": "ОΟ",
    "P": "РΡ",
    "T": "ТΤ",
    "X": "ХΧ",
    "Y": "ҮΥ",
}
_MATH_BOLD_UPPER = 0x1D400
_MATH_BOLD_LOWER = 0x1D41A

LEET = {
    "a": "4@",
    "b": "8",
    "e": "3",
    "g": "9",
    "i": "1!",
    "l": "1",
    "o": "0",
    "s": "5$",
    "t": "7",
    "z": "2",
}
SEPARATORS_LATIN = (".", " ", "-", "_", "*", "·", "/")
SEPARATORS_HAN = (" ", "*", ".", "-", "、", "·", "_")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def language(term: str) -> str:
    """``zh`` for a term with Chinese characters, else ``en``."""
    return "zh" if any(is_han(ch) for ch in term) else "en"


def _positions(text: str, test: Callable[[str], bool]) -> list[int]:
    return [i for i, ch in enumerate(text) if test(ch)]


def _pick(rng: random.Random, positions: list[int], share: float) -> list[int]:
    """A random non-empty subset of ``positions`` (each kept with ``share``)."""
    chosen = [i for i in positions if rng.random() < share]
    return chosen or [rng.choice(positions)]


def invisible(term: str, rng: random.Random) -> str | None:
    gaps = [i for i in range(1, len(term)) if not term[i - 1].isspace() and not term[i].isspace()]
    if not gaps:
        return None
    chosen = set(_pick(rng, gaps, 0.5))
    out = []
    for i, ch in enumerate(term):
        if i in chosen:
            out.append("".join(rng.choice(INVISIBLES) for _ in range(rng.randint(1, 2))))
        out.append(ch)
    return "".join(out)


def _glyph(ch: str, rng: random.Random) -> str:
    options = list(_CYRILLIC_GREEK.get(ch, ""))
    if "!" <= ch <= "~":
        options.append(chr(ord(ch) + 0xFEE0))  # full-width
    if "a" <= ch <= "z":
        options.append(chr(_MATH_BOLD_LOWER + ord(ch) - ord("a")))
    elif "A" <= ch <= "Z":
        options.append(chr(_MATH_BOLD_UPPER + ord(ch) - ord("A")))
    elif is_han(ch) and ch in _han_lookalikes():
        options.append(_han_lookalikes()[ch])
    return rng.choice(options) if options else ch


@cache
def _han_lookalikes() -> dict[str, str]:
    """Kangxi radicals and CJK compatibility ideographs that NFKC maps to a
    common character: the Chinese homoglyphs."""
    table: dict[str, str] = {}
    for code in (*range(0x2F00, 0x2FD6), *range(0xF900, 0xFADA)):
        ch = chr(code)
        target = unicodedata.normalize("NFKC", ch)
        if len(target) == 1 and target != ch:
            table.setdefault(target, ch)
    return table


def homoglyph(term: str, rng: random.Random) -> str | None:
    positions = _positions(term, lambda ch: _glyph(ch, random.Random(0)) != ch)
    if not positions:
        return None
    chosen = set(_pick(rng, positions, 0.5))
    return "".join(_glyph(ch, rng) if i in chosen else ch for i, ch in enumerate(term))


def leet(term: str, rng: random.Random) -> str | None:
    positions = _positions(term, lambda ch: ch.lower() in LEET)
    if not positions or language(term) == "zh":
        return None
    chosen = set(_pick(rng, positions, 0.6))
    return "".join(rng.choice(LEET[ch.lower()]) if i in chosen else ch for i, ch in enumerate(term))


def separators(term: str, rng: random.Random) -> str | None:
    words = term.split()
    if all(len(word) < 2 for word in words):
        return None
    han = language(term) == "zh"
    sep = rng.choice(SEPARATORS_HAN if han else SEPARATORS_LATIN)
    between = "  " if sep == " " and len(words) > 1 else " "
    return between.join(sep.join(word) for word in words)


def repeat(term: str, rng: random.Random) -> str | None:
    if language(term) == "zh":
        return None
    positions = _positions(term, str.isalpha)
    chosen = set(rng.sample(positions, k=min(len(positions), rng.randint(1, 2))))
    return "".join(ch * rng.randint(2, 4) if i in chosen else ch for i, ch in enumerate(term))


def case(term: str, rng: random.Random) -> str | None:
    positions = _positions(term, lambda ch: ch.lower() != ch.upper())
    if len(positions) < 2:
        return None
    for _ in range(20):
        out = "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in term)
        if out not in (term.lower(), term.upper(), term):
            return out
    return None


@cache
def _s2t() -> Callable[[str], str]:
    import opencc

    converter = opencc.OpenCC("s2t")
    return lambda text: str(converter.convert(text))


def to_traditional(text: str) -> str:
    return _s2t()(text)


def traditional(term: str, rng: random.Random) -> str | None:
    converted = to_traditional(term)
    return converted if converted != term else None


def _toneless(reading: str) -> str:
    reading = reading.replace("ü", "v")
    stripped = unicodedata.normalize("NFD", reading)
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))


def _is_common(ch: str) -> bool:
    """GB2312 level 1: the 3,755 most common Simplified characters."""
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


@cache
def _pinyin_tables() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Each common character's main toneless reading, and the common
    characters of each reading (from ``pypinyin.pinyin_dict``)."""
    from pypinyin.pinyin_dict import pinyin_dict

    reading_of: dict[str, str] = {}
    by_reading: dict[str, list[str]] = {}
    for code, readings in sorted(pinyin_dict.items()):
        ch = chr(code)
        if not _is_common(ch):
            continue
        main = _toneless(readings.split(",")[0])
        reading_of[ch] = main
        by_reading.setdefault(main, []).append(ch)
    return reading_of, {k: tuple(v) for k, v in by_reading.items()}


def homophones(ch: str) -> tuple[str, ...]:
    """Other common characters with the same toneless reading as ``ch``."""
    reading_of, by_reading = _pinyin_tables()
    reading = reading_of.get(ch)
    if reading is None:
        return ()
    return tuple(c for c in by_reading[reading] if c != ch)


def homophone(term: str, rng: random.Random) -> str | None:
    positions = _positions(term, lambda ch: bool(homophones(ch)))
    if not positions:
        return None
    chosen = set(_pick(rng, positions, 0.5))
    return "".join(rng.choice(homophones(ch)) if i in chosen else ch for i, ch in enumerate(term))


SINGLE: dict[str, Transform] = {
    "invisible": invisible,
    "homoglyph": homoglyph,
    "leetspeak": leet,
    "separators": separators,
    "repeated": repeat,
    "case": case,
    "traditional": traditional,
    "homophone": homophone,
}
WHOLE_MESSAGE = frozenset({"traditional"})
"""Transformations applied to the whole message after the term is embedded."""

_NO_PAIR = {
    frozenset({"traditional", "homophone"}),  # a homophone is a Simplified character
    frozenset({"leetspeak", "homoglyph"}),
    frozenset({"case", "homoglyph"}),
}
PAIRS: tuple[tuple[str, str], ...] = tuple(
    pair for pair in combinations(SINGLE, 2) if frozenset(pair) not in _NO_PAIR
)
"""Combinations of two, applied in this order (the second to the first's result)."""


def names() -> list[str]:
    return ["plain", *SINGLE, *(f"{a}+{b}" for a, b in PAIRS)]


def steps(name: str) -> tuple[str, ...]:
    """The single transformations a name (``plain``, ``leetspeak``, ``leetspeak+case``) means."""
    if name == "plain":
        return ()
    parts = tuple(name.split("+"))
    for part in parts:
        if part not in SINGLE:
            raise ValueError(f"unknown transformation {part!r}")
    return parts
