"""Property tests: for every step and every form, ``mapped(t).text ==
fast(t)``, and every form character maps inside the original text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairgate.text.normalize import FORMS, STEPS, nfkc_casefold

# Characters every step cares about, so random texts actually exercise them.
_INTERESTING = list(
    "abcehilpsv ..-_*!|@$0134579:"
    "\u200b\u200d\u00ad\ufe0f\u202e\U000e0100\u3164"  # invisible
    "ßＡＣﬁ①İΣς\u0301\u0308"  # NFKC / casefold
    "\u1100\u1161\u11a8가ｶﾞ\u09c7\u09be"  # cross-cluster compositions
    "аоѵνο𝐚ⅰı"  # confusables
    "賭博赌堵搏頭髮乾著哈，。"  # Chinese
    "👨👍🏽❤"
)
_texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(_INTERESTING), max_size=40),
    st.lists(st.sampled_from(["c.h.e.a.p", "v1agra", "賭 博", "cheeeap", "2024年", " "])).map(
        "".join
    ),
)

_EXAMPLES = [
    "",
    "Buy ｃ.ｈ.ｅ.ａ.ｐ v1agra саsinо 賭 博 cheeeap\u200b!",
    "c h e a p p i l l s",
    "I have 3 cats at 10:30 in 2024年 for $5",
    "今天天氣很好，我們一起去公園散步吧。",
    "nice 👍🏽 ❤\ufe0f 👨\u200d👩\u200d👧",
    "\u1100\u1161 ｶﾞ cafe\u0301 Straße",
    "a1" * 200,
]


def _check(text: str) -> None:
    for step in STEPS:
        mapped = step.mapped(text)
        assert mapped.text == step.fast(text), step.name
        assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
        for a, b in zip(mapped.starts, mapped.ends, strict=True):
            assert 0 <= a < b <= len(text)
    for spec in FORMS:
        form = spec.mapped(text)
        assert form.name == spec.name
        assert form.text == spec.fast(text), spec.name
        assert len(form.starts) == len(form.ends) == len(form.text)
        for a, b in zip(form.starts, form.ends, strict=True):
            assert 0 <= a < b <= len(text)


@pytest.mark.parametrize("text", _EXAMPLES)
def test_fast_equals_mapped_on_examples(text: str) -> None:
    _check(text)


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_fast_equals_mapped(text: str) -> None:
    _check(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.sampled_from(_INTERESTING))))
def test_fast_base_form_equals_cluster_form(text: str) -> None:
    assert FORMS[0].fast(text) == nfkc_casefold(text).text


@settings(max_examples=200, deadline=None)
@given(_texts)
def test_term_keys_are_stripped_distinct_and_non_empty(text: str) -> None:
    for spec in FORMS:
        keys = spec.term_keys(text)
        assert len(keys) == len(set(keys))
        for key in keys:
            assert key
            assert key.strip() == key
        if keys:
            assert keys[0] == spec.fast(text).strip()
