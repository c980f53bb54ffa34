"""The forms as the matcher sees them: order, names, distinctness, term keys,
and span maps back to what the sender wrote."""

import re

import pytest

from fairgate.text.normalize import (
    FORMS,
    STEPS,
    FormSpec,
    fast_forms,
    forms,
    normalize_term,
    warm_up,
)

NAMES = [
    "nfkc_casefold",
    "invisible",
    "simplified",
    "confusable",
    "separator",
    "leet",
    "repeat",
    "pinyin",
]


def _form(name: str) -> FormSpec:
    return next(spec for spec in FORMS if spec.name == name)


def test_forms_order_and_names() -> None:
    assert [spec.name for spec in FORMS] == NAMES
    assert [step.name for step in STEPS] == NAMES


def test_benign_ascii_has_few_distinct_forms() -> None:
    assert [spec.name for spec, _ in fast_forms("hi there")] == ["nfkc_casefold"]
    # a doubled letter gives the repeat form (``all`` -> ``al``), and nothing else
    assert [spec.name for spec, _ in fast_forms("Hello all")] == ["nfkc_casefold", "repeat"]
    assert [f.name for f in forms("Helllo")] == ["nfkc_casefold", "repeat"]


def test_fast_forms_are_distinct_and_agree_with_each_spec() -> None:
    text = "Buy ｃ.ｈ.ｅ.ａ.ｐ v1agra саsinо 賭 博 cheeeap\u200b!"
    result = fast_forms(text)
    texts = [value for _, value in result]
    assert len(texts) == len(set(texts))
    for spec, value in result:
        assert spec.fast(text) == value
        assert spec.mapped(text).text == value
    assert texts[-1].startswith("buy cheap viagra casino ")


@pytest.mark.parametrize(
    ("text", "form", "term", "written"),
    [
        ("buy ＣＨＥＡＰ now", "nfkc_casefold", "cheap", "ＣＨＥＡＰ"),
        ("buy c\u200bheap now", "invisible", "cheap", "c\u200bheap"),
        ("來賭博吧", "simplified", "赌博", "賭博"),
        ("best саsinо", "confusable", "casino", "саsinо"),
        ("buy v1agra now", "leet", "viagra", "v1agra"),
        ("buy c.h.e.a.p now", "separator", "cheap", "c.h.e.a.p"),
        ("buy c.h.3.a.p now", "leet", "cheap", "c.h.3.a.p"),
        ("so cheeeap", "repeat", "cheap", "cheeeap"),
        ("c h e e e a p", "repeat", "cheap", "c h e e e a p"),
        ("Ｖ1ΑＧＲΑ", "leet", "viagra", "Ｖ1ΑＧＲΑ"),
    ],
)
def test_span_shows_what_the_sender_wrote(text: str, form: str, term: str, written: str) -> None:
    mapped = _form(form).mapped(text)
    start = mapped.text.index(term)
    a, b = mapped.original_span(start, start + len(term))
    assert text[a:b] == written


def test_pinyin_span_maps_to_the_pun() -> None:
    spec = _form("pinyin")
    key = spec.term_keys("赌博")[0]
    text = "来堵搏吧"
    mapped = spec.mapped(text)
    start = mapped.text.index(key)
    a, b = mapped.original_span(start, start + len(key))
    assert text[a:b] == "堵搏"


@pytest.mark.parametrize(
    ("form", "term", "keys"),
    [
        ("nfkc_casefold", "  Cheap Pills ", ("cheap pills",)),
        ("confusable", "Cheap Pills", ("cheap pills",)),
        # leet: also the l -> i reading (1 stands for both)
        ("leet", "Cheap Pills", ("cheap pills", "cheap piiis", "cheappills", "cheappiiis")),
        ("separator", "cheap pills", ("cheap pills", "cheappills")),
        ("separator", "cheap", ("cheap",)),
        ("repeat", "cheap pills", ("cheap pils", "cheap pis", "cheapils", "cheapis")),
        ("nfkc_casefold", "   ", ()),
    ],
)
def test_term_keys(form: str, term: str, keys: tuple[str, ...]) -> None:
    assert _form(form).term_keys(term) == keys


def _hits(text: str, term: str) -> list[str]:
    """Forms in which some key of ``term`` occurs in ``text`` on word boundaries."""
    found = []
    for spec, value in fast_forms(text):
        for key in spec.term_keys(term):
            if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", value):
                found.append(spec.name)
    return found


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("c.h.e.a.p p.i.l.l.s here", "cheap pills"),
        ("c h e a p p i l l s", "cheap pills"),
        ("c h e e e a p p i i i l l s", "cheap pills"),
        ("CHEEEAP PIIILLS", "cheap pills"),
        ("v1agra", "viagra"),
        ("ѵ1аgrа", "viagra"),
        ("fr33 c@sino bonus", "free casino"),
        ("c\u200ba\u200bs\u200bi\u200bn\u200bo", "casino"),
        ("ｃａｓｉｎｏ", "casino"),
        ("賭 博", "赌博"),
        ("堵搏", "赌博"),
    ],
)
def test_evasions_are_caught_in_some_form(text: str, term: str) -> None:
    assert _hits(text, term)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("cheapskate pillows", "cheap pills"),
        ("ten of them", "teen"),
        ("but why", "butt"),
        ("I have 3 cats", "cats 3"),
        ("meet at 10:30 in 2024", "toto"),
        ("Straße", "strabe"),
        ("a modern classic", "rnodern"),
        ("hello 2024年", "hello 2o2a"),
    ],
)
def test_benign_text_does_not_hit(text: str, term: str) -> None:
    assert not _hits(text, term)


@pytest.mark.parametrize(
    "text",
    ["I have 3 cats", "back at 10:30", "only $5", "Ärger", "こんにちは", "カタカナ", "naïve café"],
)
def test_benign_text_keeps_its_words(text: str) -> None:
    base = fast_forms(text)[0][1]
    assert [value for _, value in fast_forms(text)] == [base]


def test_year_before_han_keeps_its_digits() -> None:
    for _, value in fast_forms("2024年"):
        assert value.startswith("2024")


def test_emoji_sequences() -> None:
    text = "nice 👍🏽 ❤\ufe0f 👨\u200d👩\u200d👧"
    assert fast_forms(text)[0][1] == text
    invisible = _form("invisible").mapped(text)
    assert invisible.text == "nice 👍🏽 ❤ 👨👩👧"
    start = invisible.text.index("❤")
    a, b = invisible.original_span(start, start + 1)
    assert text[a:b] == "❤"


def test_normalize_term_is_the_base_form() -> None:
    assert normalize_term("  Cheap Pills ") == "cheap pills"
    assert normalize_term("ＣＨＥＡＰ") == "cheap"


def test_warm_up_builds_the_tables_and_changes_nothing() -> None:
    before = fast_forms("Buy v1agra 賭博")
    warm_up()
    assert fast_forms("Buy v1agra 賭博") == before
