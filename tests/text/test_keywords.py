import pytest

from fairgate.text.keywords import Term, TermAutomaton, needs_boundary
from fairgate.text.normalize import forms

TERMS = [
    Term(1, 10, "cheap pills"),
    Term(2, 10, "赌博"),
    Term(3, 10, "CASINO"),
    Term(4, 11, "casino"),  # same term in a second entry: both reported
]


@pytest.fixture(scope="module")
def automaton() -> TermAutomaton:
    return TermAutomaton(TERMS)


def hits(automaton: TermAutomaton, text: str) -> list[tuple[int, str]]:
    return [(h.entry_id, text[h.span[0] : h.span[1]]) for h in automaton.search(forms(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHEAP Pills now", [(1, "CHEAP Pills")]),
        ("ｃｈｅａｐ　ｐｉｌｌｓ!", [(1, "ｃｈｅａｐ　ｐｉｌｌｓ")]),
        ("(cheap pills)", [(1, "cheap pills")]),
        ("pillow", []),
        ("cheapskate pillows", []),
        ("cheap pillsx", []),
        ("xcheap pills", []),
        ("来赌博吧", [(2, "赌博")]),  # CJK: no word boundaries
        ("Casino!", [(3, "Casino"), (4, "Casino")]),
        ("casinos", []),
        ("", []),
    ],
)
def test_matches(automaton: TermAutomaton, text: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(hits(automaton, text)) == sorted(expected)


def test_every_occurrence_is_reported(automaton: TermAutomaton) -> None:
    found = automaton.search(forms("casino and casino"))
    assert sorted(h.span for h in found if h.entry_id == 3) == [(0, 6), (11, 17)]


def test_word_boundaries_can_be_switched_off() -> None:
    loose = TermAutomaton([Term(1, 1, "pill")], word_boundaries=False)
    assert [h.entry_id for h in loose.search(forms("pillow"))] == [1]


def test_empty_list_matches_nothing() -> None:
    assert TermAutomaton([]).search(forms("anything")) == []
    assert len(TermAutomaton([Term(1, 1, "   ")])) == 0


@pytest.mark.parametrize(
    ("ch", "expected"),
    [
        ("a", True),
        ("7", True),
        ("é", True),
        ("д", True),
        ("赌", False),
        ("カ", False),
        (" ", False),
    ],
)
def test_needs_boundary(ch: str, expected: bool) -> None:
    assert needs_boundary(ch) is expected
