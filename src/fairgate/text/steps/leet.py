"""Fold leetspeak inside words: ``v1agra`` -> ``viagra``, ``c@sino`` ->
``casino``, ``fr33`` -> ``free``, ``$ex`` -> ``sex``, ``sh!t`` -> ``shit``.

Runs on NFKC + casefolded, confusable-folded, separator-joined text (so
letters are lower-case ASCII by now and ``c.h.3.a.p`` is already ``ch3ap``).
A *token* is a maximal run of ``[a-z0-9@$!|]``. Only tokens with at least two
letters ``a-z``, or one letter and three characters (``7h3``, ``f33``), or
one letter and one of ``@ $ ! |`` (``p!11$``) are touched, so ``2024``,
``10:30``, ``$5``, ``3`` in ``I have 3 cats`` and ``2024年`` stay intact,
and so do ``u1``, ``5g``; so do tokens holding a
``2`` or ``6`` (``sha256``, ``win2000``, ``1280x960``: numbers, not leet). In a token:

- digits ``0 1 3 4 5 7 8 9`` -> ``o i e a s t b g`` (``8`` and ``9`` as in
  ``80nus``, ``9ift``; ``2`` and ``6`` are never folded: ``b2b``, ``6ix``).
  ``1`` stands for ``i`` and for ``l`` (``v1agra``, ``c1ick``): it becomes
  ``i``, and the leet form of a message that had any leetspeak also turns
  every ``l`` into ``i`` (:func:`fold_leet_text`; list terms always get that
  key), so both readings meet;
- ``$`` -> ``s`` anywhere (``a$$``);
- ``@`` -> ``a`` with a letter or digit after it, inside the token
  (``c@sino``) or at its start when the token has other leetspeak
  (``@cc0un7``; ``@name`` and ``name@`` stay);
- ``!`` and ``|`` -> ``i`` only when a letter, digit or ``@ $ |`` follows
  and no ``!`` precedes it (``sh!t``, ``!diot``, ``c@$!no``; ``wow!!``
  stays).

A token that is a number with a common unit or ordinal suffix (``10am``,
``3rd``, ``4k``, ``1080p``, ``30min``, ``$5k``) is a measurement, not leet,
and stays. Every replacement is one character for one, so spans are 1:1.
"""

from __future__ import annotations

import re

from fairgate.text.steps._mapping import Mapped, identity

_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$!|")
# A leet character next to a letter: every token holding both kinds has one
# (and only such tokens are folded). Starts with a character set, so ``re``
# skips ahead quickly.
_HINT = re.compile(r"[0-9@$!|](?:(?<=[a-z].)|(?=[a-z]))")
_TOKEN_REST = re.compile(r"[a-z0-9@$!|]*+")
_LETTERS = re.compile(r"[a-z]")
_OTHER_LEET = re.compile(r"[0-9$!|]")
_NUMBER_LIKE = re.compile(r"[26]")
_MEASUREMENT = re.compile(
    r"\$?[0-9]+(?:st|nd|rd|th|am|pm|k|m|b|p|s|x|g|h|d|y|mg|kg|km|cm|mm|ml|gb|mb|tb"
    r"|hz|fps|min|mins|hr|hrs|sec|yo|yrs)"
)


_ORDINAL = re.compile(r"([0-9]*)(st|nd|rd|th)")


def _is_measurement(token: str) -> bool:
    """``10am``, ``4k``, ``3rd``: a number with a unit or a right ordinal
    suffix (``53nd`` is no ordinal: it is ``53nd`` -> ``send``)."""
    ordinal = _ORDINAL.fullmatch(token)
    if ordinal is not None and ordinal.group(1):
        number = int(ordinal.group(1))
        last = number % 10 if number % 100 not in (11, 12, 13) else 0
        return ordinal.group(2) == {1: "st", 2: "nd", 3: "rd"}.get(last, "th")
    return _MEASUREMENT.fullmatch(token) is not None


def _fold_token(token: str) -> str:
    letters = len(_LETTERS.findall(token))
    if (
        letters == 0
        or (letters == 1 and len(token) < 3 and not any(ch in token for ch in "@$!|"))
        or _is_measurement(token)
        or _NUMBER_LIKE.search(token) is not None
    ):
        return token
    out = list(token)
    last = len(token) - 1
    for i, ch in enumerate(token):
        if ch in _DIGITS:
            out[i] = _DIGITS[ch]
        elif ch == "$":
            out[i] = "s"
        elif ch == "@":
            # ``c@sino``; at the start only with other leetspeak in the
            # token (``@cc0un7``), so a mention ``@john`` stays.
            nxt = token[i + 1] if i < last else ""
            if (nxt.isalnum() or nxt in "$!|") and (i > 0 or _OTHER_LEET.search(token, 1)):
                out[i] = "a"
        elif (
            ch in "!|"
            and i < last
            and (token[i + 1].isalnum() or token[i + 1] in "@$|")
            and (i == 0 or token[i - 1] != "!")
        ):
            out[i] = "i"
    return "".join(out)


def fold_leet(text: str) -> str:
    """``text`` with leetspeak folded inside words that have letters."""
    hit = _HINT.search(text)
    if hit is None:
        return text
    parts: list[str] = []
    pos = 0  # end of the last token handled
    while hit is not None:
        i = hit.start()
        if i >= pos:
            start = i
            while start > pos and text[start - 1] in _TOKEN_CHARS:
                start -= 1
            rest = _TOKEN_REST.match(text, i)
            end = rest.end() if rest is not None else i + 1
            parts.append(text[pos:start])
            parts.append(_fold_token(text[start:end]))
            pos = end
        hit = _HINT.search(text, max(pos, i + 1))
    parts.append(text[pos:])
    return "".join(parts)


_L_AS_I = str.maketrans("l", "i")


def fold_leet_text(text: str) -> str:
    """The leet form of a message: :func:`fold_leet`, and when that changed
    anything, ``l`` -> ``i`` over the whole text too (``1`` stands for both:
    ``f01l0wers``, ``c1ick``; terms get keys with ``l`` -> ``i`` as well, see
    ``normalize.py``). Text without leetspeak is left exactly as it was, so
    its leet form is dropped as equal to the form before."""
    folded = fold_leet(text)
    return folded if folded == text else folded.translate(_L_AS_I)


def fold_leet_term(term: str) -> str:
    """The leet form of a list term: always with ``l`` -> ``i``."""
    return fold_leet(term).translate(_L_AS_I)


def fold_leet_mapped(text: str) -> Mapped:
    """:func:`fold_leet_text` with its (1:1) span map."""
    return identity(fold_leet_text(text))
