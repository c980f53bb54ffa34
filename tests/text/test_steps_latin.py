"""Case tables for the Latin-script steps: invisible, confusables, leet,
separators, repeats. Each step is tested on its own input (already NFKC +
casefolded, as in the chain)."""

import pytest

from fairgate.text.steps.confusables import (
    confusable_table,
    fold_confusables,
    fold_confusables_mapped,
    parse_confusables,
)
from fairgate.text.steps.invisible import (
    invisible_chars,
    strip_invisible,
    strip_invisible_mapped,
)
from fairgate.text.steps.leet import fold_leet, fold_leet_mapped, fold_leet_term, fold_leet_text
from fairgate.text.steps.repeats import collapse_repeats, collapse_repeats_mapped
from fairgate.text.steps.separators import collapse_separators, collapse_separators_mapped


def _span_text(
    text: str, mapped_starts: tuple[int, ...], mapped_ends: tuple[int, ...], start: int, end: int
) -> str:
    return text[mapped_starts[start] : mapped_ends[end - 1]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("c\u200bheap", "cheap"),  # zero-width space
        ("c\u200ch\u200de\u2060a\ufeffp", "cheap"),  # ZWNJ, ZWJ, word joiner, BOM
        ("ch\u00adeap", "cheap"),  # soft hyphen
        ("\u202echeap\u202c", "cheap"),  # RLO .. PDF
        ("\u2066che\u2069ap\u200e\u200f\u061c", "cheap"),  # LRI..PDI, LRM, RLM, ALM
        ("c\ufe0fh\U000e0100eap", "cheap"),  # variation selectors
        ("che\U000e0061\U000e007fap", "cheap"),  # tag characters
        ("ch\u034feap", "cheap"),  # combining grapheme joiner
        ("che\u180eap", "cheap"),  # Mongolian vowel separator
        ("ch\u3164eap\u115f", "cheap"),  # Hangul fillers
        ("plain text", "plain text"),
        ("❤\ufe0f", "❤"),  # emoji presentation selector stripped
        ("👨\u200d👩\u200d👧", "👨👩👧"),  # ZWJ sequence: the people stay
        ("赌\u200b博", "赌博"),
        ("", ""),
    ],
)
def test_strip_invisible(text: str, expected: str) -> None:
    assert strip_invisible(text) == expected
    assert strip_invisible_mapped(text).text == expected


def test_invisible_set_is_built_from_unicodedata() -> None:
    chars = invisible_chars()
    # Every Cf character, including ones nobody would list by hand.
    assert "\u2064" in chars  # INVISIBLE PLUS
    assert "\U0001d173" in chars  # MUSICAL SYMBOL BEGIN BEAM
    assert "a" not in chars
    assert " " not in chars
    assert "\n" not in chars


def test_invisible_span_covers_the_hidden_characters() -> None:
    text = "buy c\u200bh\u200beap"
    m = strip_invisible_mapped(text)
    start = m.text.index("cheap")
    assert _span_text(text, m.starts, m.ends, start, start + 5) == "c\u200bh\u200beap"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("саsinо", "casino"),  # Cyrillic а, о
        ("νiagra", "viagra"),  # Greek nu
        ("ⅰ", "i"),  # small roman numeral one (when not NFKC'd)
        ("ο", "o"),  # Greek omicron
        ("рауpаl", "paypal"),  # Cyrillic р а у
        ("ɡооɡlе", "google"),  # Latin script g + Cyrillic
        ("ı", "i"),  # dotless i
        # Benign text left alone:
        ("modern", "modern"),  # ASCII is never folded (m -> rn, l -> 1 ...)
        ("hello 1 l", "hello 1 l"),
        ("café naïve ñ ø é", "café naïve ñ ø é"),
        ("赌博 こんにちは カタカナ 한국어", "赌博 こんにちは カタカナ 한국어"),
        ("١٢٣", "١٢٣"),  # Arabic-Indic digits are digits, not letters
        ("", ""),
    ],
)
def test_fold_confusables(text: str, expected: str) -> None:
    assert fold_confusables(text) == expected
    assert fold_confusables_mapped(text).text == expected


def test_confusable_table_only_maps_non_ascii_to_ascii_alnum() -> None:
    table = confusable_table()
    assert len(table) > 1000
    for cp, prototype in table.items():
        assert cp >= 0x80
        assert prototype.isascii()
        assert prototype.isalnum()
        assert prototype == prototype.lower()


def test_parse_confusables_filters_lines() -> None:
    lines = [
        "# comment",
        "0430 ;\t0061 ;\tMA\t# ( а → a ) CYRILLIC SMALL LETTER A → LATIN SMALL LETTER A",
        "006D ;\t0072 006E ;\tMA\t# ( m → rn ) ASCII source: skipped",
        "2044 ;\t002F ;\tMA\t# ( ⁄ → / ) prototype not a letter: skipped",
        "53E3 ;\t0030 ;\tMA\t# CJK source: skipped (made-up line)",
        "0661 ;\t006C ;\tMA\t# ( ١ → l ) decimal digit: skipped",
        "039D ;\t004E ;\tMA\t# ( Ν → N ) capital keys its folded form too",
        "",
    ]
    assert parse_confusables(lines) == {0x430: "a", 0x39D: "n", 0x3BD: "n"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1agra", "viagra"),
        ("c@sino", "casino"),
        ("fr33 stuff", "free stuff"),
        ("$ex", "sex"),
        ("cla$$", "class"),
        ("sh!t", "shit"),
        ("!diot", "idiot"),
        ("v|agra", "viagra"),
        ("h0t 5ale", "hot sale"),
        ("7est", "test"),
        ("4ss", "ass"),
        # Benign text left alone:
        ("2024", "2024"),
        ("2024年", "2024年"),
        ("10:30", "10:30"),
        ("i have 3 cats", "i have 3 cats"),
        ("only $5 today", "only $5 today"),
        ("$10.99", "$10.99"),
        ("meet at 10am on the 3rd", "meet at 10am on the 3rd"),
        ("4k video 1080p 30min", "4k video 1080p 30min"),
        ("wow!! really?!", "wow!! really?!"),
        ("@john hi", "@john hi"),
        ("gr8 b2b", "grb b2b"),  # 8 is folded in a word; 2 is not
        ("p50 u1 1280x960", "pso u1 1280x960"),  # one letter: folded from 3 characters (7h3)
        ("sha256 win2000", "sha256 win2000"),  # a 2 or 6, or four digits: a number
        ("d0u813 r313@s3", "doubie reiease"),  # three leet digits in a word fold (1 -> i)
        ("", ""),
    ],
)
def test_fold_leet(text: str, expected: str) -> None:
    assert fold_leet(text) == expected
    assert fold_leet_mapped(text).text == fold_leet_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f01l0wers", "foiiowers"),  # 1 and l meet as i
        ("fo11owers", "foiiowers"),
        ("c1ick here", "ciick here"),
        ("gr8 deal, limited", "grb deai, iimited"),  # any leet: every l becomes i
        ("hello world", "hello world"),  # no leetspeak: untouched
        ("only $5 at 10:30", "only $5 at 10:30"),
    ],
)
def test_leet_form_of_a_message(text: str, expected: str) -> None:
    assert fold_leet_text(text) == expected


def test_leet_form_of_a_term_always_meets_l_and_i() -> None:
    assert fold_leet_term("click") == "ciick"
    assert fold_leet_term("fo11owers") == fold_leet_text("f01l0wers")


def test_fold_leet_handles_many_tokens_and_long_runs() -> None:
    assert fold_leet("fr33 v1agra and c@sino 2024") == "free viagra and casino 2024"
    long = "a1" * 5000
    assert fold_leet(long) == "ai" * 5000


def test_leet_span_is_what_the_sender_wrote() -> None:
    text = "buy v1agra now"
    m = fold_leet_mapped(text)
    start = m.text.index("viagra")
    assert _span_text(text, m.starts, m.ends, start, start + 6) == "v1agra"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("c.h.e.a.p", "cheap"),
        ("c h e a p", "cheap"),
        ("c-h-e-a-p", "cheap"),
        ("c_h_e_a_p", "cheap"),
        ("c*h*e*a*p", "cheap"),
        ("c . h . e . a . p", "cheap"),
        ("ccc*h*e*a*pp p*i*l*l*s", "cccheapp pills"),  # stretched characters join too
        ("c··h·e·\u00b7a·p", "cheap"),  # copies of the separator (invisibles stripped)
        ("c h e a p  p i l l s", "cheappills"),
        ("p.!.l.1.$", "p!l1$"),  # leet symbols are characters here
        ("buy a c.h.e.a.p pill", "buy a cheap pill"),  # another separator: a stays
        ("c.h.e.a.p p.i.l.l.s", "cheap pills"),
        ("c h e a p p i l l s", "cheappills"),
        ("buy c.h.e.a.p now", "buy cheap now"),
        ("赌 博", "赌博"),
        ("赌*博", "赌博"),
        ("賭.博", "賭博"),
        ("赌 . 博", "赌博"),
        ("с.h.e", "сhe"),  # any script
        # Benign text left alone:
        ("a b", "a b"),  # two singles are not a run
        ("i am a cat", "i am a cat"),
        ("10:30", "10:30"),
        ("version 2.4.6 or 1 2 3", "version 2.4.6 or 1 2 3"),  # no letters in the run
        ("cheapskate pillows", "cheapskate pillows"),
        ("你好，我是", "你好，我是"),  # sentence punctuation between Han stays
        ("赌博 now", "赌博 now"),
        ("", ""),
    ],
)
def test_collapse_separators(text: str, expected: str) -> None:
    assert collapse_separators(text) == expected
    assert collapse_separators_mapped(text).text == expected


def test_separator_span_is_what_the_sender_wrote() -> None:
    text = "buy c.h.e.a.p now"
    m = collapse_separators_mapped(text)
    start = m.text.index("cheap")
    assert _span_text(text, m.starts, m.ends, start, start + 5) == "c.h.e.a.p"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cheeeap", "cheap"),
        ("piiills", "pils"),
        ("sexxx", "sex"),
        ("caaasino", "casino"),
        ("fréééé", "fré"),
        ("哈哈哈", "哈"),
        # Runs of two collapse too, in terms alike (the matcher's length rule
        # keeps "as" from firing "ass": tests/text/test_matcher.py).
        ("pills", "pils"),
        ("ass as", "as as"),
        ("teen ten", "ten ten"),
        ("哈哈", "哈"),
        ("100 ... !!!", "100 ... !!!"),  # digits and punctuation stay
        ("ab", "ab"),
        ("", ""),
    ],
)
def test_collapse_repeats(text: str, expected: str) -> None:
    assert collapse_repeats(text) == expected
    assert collapse_repeats_mapped(text).text == expected


def test_repeat_span_covers_the_whole_run() -> None:
    text = "so cheeeap"
    m = collapse_repeats_mapped(text)
    start = m.text.index("cheap")
    assert _span_text(text, m.starts, m.ends, start, start + 5) == "cheeeap"
