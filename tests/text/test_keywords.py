import pytest

from fairgate.text.keywords import Term, TermAutomata, needs_boundary, parse_term
from fairgate.text.matcher import TextEntry, TextMatcher
from fairgate.text.normalize import FORMS

TERMS = [
    TextEntry(1, 10, "term", "cheap pills"),
    TextEntry(2, 10, "term", "赌博"),
    TextEntry(3, 10, "term", "CASINO"),
    TextEntry(4, 11, "term", "casino"),  # same term in a second entry: both reported
    TextEntry(5, 12, "term", "*pill*"),
    TextEntry(6, 12, "term", "spam*"),
]


@pytest.fixture(scope="module")
def matcher() -> TextMatcher:
    m = TextMatcher()
    m.load(TERMS)
    return m


def hits(matcher: TextMatcher, text: str) -> list[tuple[int, str]]:
    return [(h.entry_id, text[h.span[0] : h.span[1]]) for h in matcher.match(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHEAP Pills now", [(1, "CHEAP Pills"), (5, "Pill")]),
        ("ｃｈｅａｐ　ｐｉｌｌｓ!", [(1, "ｃｈｅａｐ　ｐｉｌｌｓ"), (5, "ｐｉｌｌ")]),
        ("(cheap pills)", [(1, "cheap pills"), (5, "pill")]),
        ("cheapskate pillows", [(5, "pill")]),  # only the *pill* term sits inside words
        ("cheap pillsx", [(5, "pill")]),
        ("xcheap pills", [(5, "pill")]),
        ("来赌博吧", [(2, "赌博")]),  # CJK: no word boundaries
        ("Casino!", [(3, "Casino"), (4, "Casino")]),
        ("casinos", []),
        ("spammers", [(6, "spam")]),  # spam*: must start a word, may run on
        ("antispam", []),
        ("", []),
    ],
)
def test_matches(matcher: TextMatcher, text: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(hits(matcher, text)) == sorted(expected)


def test_every_occurrence_is_reported(matcher: TextMatcher) -> None:
    found = matcher.match("casino and casino")
    assert sorted(h.span for h in found if h.entry_id == 3) == [(0, 6), (11, 17)]


def test_evasions_match_in_a_later_form_with_original_span() -> None:
    m = TextMatcher()
    m.load([TextEntry(1, 1, "term", "cheap pills"), TextEntry(2, 1, "term", "赌博")])
    by_text = {
        "ch3ap p1lls": "leet",
        "c.h.e.a.p p.i.l.l.s": "separator",
        "chea\u200bp pills": "invisible",
        "сheap pills": "confusable",  # Cyrillic с
        "賭博": "simplified",
    }
    for text, form in by_text.items():
        (hit,) = m.match(text)
        assert hit.form == form, text
        assert hit.span == (0, len(text))


def test_least_transformed_form_is_reported_once_per_span() -> None:
    m = TextMatcher()
    m.load([TextEntry(1, 1, "term", "casino")])
    found = m.match("Casino")
    assert [(h.entry_id, h.form, h.span) for h in found] == [(1, "nfkc_casefold", (0, 6))]


def test_a_form_equal_to_an_earlier_one_still_runs_its_own_keys() -> None:
    # "so casino" is plain ASCII: every later form equals nfkc_casefold and
    # is dropped by fast_forms, but the term's leet-form key "casino" must
    # still be found in that text.
    m = TextMatcher()
    m.load([TextEntry(1, 1, "term", "c@sino")])
    assert [(h.entry_id, h.form) for h in m.match("so casino")] == [(1, "leet")]


def test_word_boundaries_can_be_switched_off() -> None:
    loose = TermAutomata([Term(1, 1, "pill")], word_boundaries=False)
    plan = [(0, "pillow", True)]
    assert [c.slot.term.entry_id for c in loose.candidates(plan)] == [1]
    strict = TermAutomata([Term(1, 1, "pill")])
    assert strict.candidates(plan) == []


def test_shards_find_the_same_as_one_automaton() -> None:
    terms = [Term(i, 1, f"word{i}") for i in range(500)]
    plan = [(0, "say word7 and word499 and word250x", True)]
    one = TermAutomata(terms, shard_keys=10_000).candidates(plan)
    many = TermAutomata(terms, shard_keys=100).candidates(plan)
    assert sorted((c.start, c.slot.term.entry_id) for c in many) == sorted(
        (c.start, c.slot.term.entry_id) for c in one
    )
    assert len(one) == 2


def test_empty_list_matches_nothing() -> None:
    m = TextMatcher()
    m.load([])
    assert m.match("anything") == []
    assert len(TermAutomata([Term(1, 1, "   "), Term(2, 1, "**")])) == 0


@pytest.mark.parametrize(
    ("term", "core", "left", "right"),
    [
        ("pill", "pill", False, False),
        ("*pill*", "pill", True, True),
        ("pill*", "pill", False, True),
        (" *pill ", "pill", True, False),
        ("*", "", True, False),
    ],
)
def test_parse_term(term: str, core: str, left: bool, right: bool) -> None:
    assert parse_term(term) == (parse_term(term).__class__(core, left, right))


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


def test_forms_are_what_the_matcher_expects() -> None:
    assert FORMS[0].name == "nfkc_casefold"
