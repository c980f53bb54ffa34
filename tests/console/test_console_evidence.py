"""How the matched part of recognised text is marked."""

from __future__ import annotations

from fairgate.console.evidence import highlight


def test_the_matched_characters_are_marked_wherever_they_are() -> None:
    h = highlight("Pay a FEE with gift cards", "fee", [99, 100])
    assert (h.before, h.match, h.after) == ("Pay a ", "FEE", " with gift cards")


def test_the_span_is_used_when_the_matched_text_is_not_found() -> None:
    h = highlight("g1ft card now", "gift card", [0, 9])
    assert (h.before, h.match, h.after) == ("", "g1ft card", " now")


def test_nothing_is_marked_when_neither_fits() -> None:
    h = highlight("hello", "bye", [3, 99])
    assert (h.before, h.match, h.after) == ("hello", "", "")
