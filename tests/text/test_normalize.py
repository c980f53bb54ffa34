import pytest

from fairgate.text.normalize import forms, nfkc_casefold, normalize_term


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHEAP Pills", "cheap pills"),
        ("ｃｈｅａｐ", "cheap"),  # full-width
        ("Straße", "strasse"),  # casefold expands ß
        ("ﬁne", "fine"),  # ligature
        ("cafe\u0301", "café"),  # combining accent composes
        ("①②", "12"),
        ("赌博", "赌博"),
        ("", ""),
    ],
)
def test_nfkc_casefold(text: str, expected: str) -> None:
    assert nfkc_casefold(text).text == expected


@pytest.mark.parametrize("text", ["Straße ok", "ｃｈｅａｐ pills", "cafe\u0301 ﬁne", "x①y"])
def test_every_form_character_maps_inside_the_original(text: str) -> None:
    form = nfkc_casefold(text)
    assert len(form.starts) == len(form.ends) == len(form.text)
    for a, b in zip(form.starts, form.ends, strict=True):
        assert 0 <= a < b <= len(text)


def test_span_maps_back_to_what_the_sender_wrote() -> None:
    text = "buy ＣＨＥＡＰ now"
    form = nfkc_casefold(text)
    start = form.text.index("cheap")
    a, b = form.original_span(start, start + 5)
    assert text[a:b] == "ＣＨＥＡＰ"


def test_expansion_maps_whole_source_character() -> None:
    text = "aßb"
    form = nfkc_casefold(text)
    assert form.text == "assb"
    assert form.original_span(1, 3) == (1, 2)


def test_original_span_rejects_empty_or_outside() -> None:
    form = nfkc_casefold("abc")
    with pytest.raises(ValueError, match="outside"):
        form.original_span(2, 2)
    with pytest.raises(ValueError, match="outside"):
        form.original_span(0, 4)


def test_forms_are_distinct_and_named() -> None:
    assert [f.name for f in forms("Hi there")] == ["nfkc_casefold"]
    # "helllo" -> "helo" in the repeat form; the forms in between equal the base.
    assert [f.name for f in forms("Helllo")] == ["nfkc_casefold", "repeat"]
    assert normalize_term("  Cheap Pills ") == "cheap pills"
