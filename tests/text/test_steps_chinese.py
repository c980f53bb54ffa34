"""Case tables for the Chinese steps and the whole-string NFKC fast path."""

import pytest

from fairgate.text.normalize import nfkc_casefold
from fairgate.text.steps.chinese import (
    PINYIN_BASE,
    syllable_of,
    to_pinyin,
    to_pinyin_mapped,
    to_simplified,
    to_simplified_mapped,
    toneless,
)
from fairgate.text.steps.nfkc import needs_clusters, whole_nfkc_casefold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("賭博", "赌博"),
        ("頭髮", "头发"),
        ("網上賭場", "网上赌场"),
        ("買 cheap 藥", "买 cheap 药"),
        # Left alone:
        ("赌博", "赌博"),  # already Simplified
        ("2024年", "2024年"),
        ("こんにちは", "こんにちは"),  # kana
        ("plain text", "plain text"),
        ("", ""),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected
    assert to_simplified_mapped(text).text == expected


def test_simplified_span_is_what_the_sender_wrote() -> None:
    text = "來賭博吧"
    m = to_simplified_mapped(text)
    start = m.text.index("赌博")
    assert text[m.starts[start] : m.ends[start + 1]] == "賭博"


@pytest.mark.parametrize(
    ("reading", "expected"),
    [("dǔ", "du"), ("bó", "bo"), ("lǜ", "lü"), ("nǚ", "nü"), ("ā", "a"), ("zhōng", "zhong")],
)
def test_toneless(reading: str, expected: str) -> None:
    assert toneless(reading) == expected


@pytest.mark.parametrize(
    ("text", "pun"),
    [
        ("赌博", "堵搏"),  # du bo
        ("发票", "发漂"),  # fa piao
        ("代开", "带开"),  # dai kai
    ],
)
def test_homophone_puns_share_the_pinyin_form(text: str, pun: str) -> None:
    assert to_pinyin(text) == to_pinyin(pun)


def test_pinyin_form_characters() -> None:
    form = to_pinyin("赌博 ok")
    assert [syllable_of(ch) for ch in form[:2]] == ["du", "bo"]
    assert all(ord(ch) >= PINYIN_BASE for ch in form[:2])
    assert form[2:] == " ok"  # non-Han unchanged
    assert to_pinyin("绿") != to_pinyin("路")  # lü is not lu
    assert to_pinyin("睹") == to_pinyin("赌")  # both du
    assert syllable_of("a") is None


@pytest.mark.parametrize("text", ["", "plain", "こんにちは", "2024年", "赌博"])
def test_pinyin_is_one_for_one(text: str) -> None:
    m = to_pinyin_mapped(text)
    assert len(m.text) == len(text)
    assert m.starts == tuple(range(len(text)))


@pytest.mark.parametrize(
    "text",
    [
        "今天天气很好，我们一起去公园散步吧！",  # full-width punctuation
        "ＣＨＥＡＰ　ｐｉｌｌｓ",
        "Straße ﬁne ①",
        "cafe\u0301",
        "İstanbul ΣΊΣΥΦΟΣ",
    ],
)
def test_whole_string_fast_path_matches_clusters(text: str) -> None:
    assert not needs_clusters(text)
    assert whole_nfkc_casefold(text) == nfkc_casefold(text).text


@pytest.mark.parametrize(
    "text",
    [
        "\u1100\u1161",  # Hangul L + V jamo compose across clusters
        "ｶﾞ",  # half-width katakana + voiced mark
        "\u09c7\u09be",  # Bengali two-part vowel
    ],
)
def test_cross_cluster_texts_take_the_cluster_path(text: str) -> None:
    assert needs_clusters(text)
