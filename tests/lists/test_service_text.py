"""ListManager: terms, allow-terms and regexes of text lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairgate.errors import InvalidInput
from fairgate.lists.service import ListManager
from fairgate.settings import Settings
from fairgate.signals.registry import builtin_signal_types
from fairgate.store import open_store
from fairgate.types import ListType


@pytest.fixture
def manager(tmp_path: Path) -> ListManager:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    settings = Settings(max_term_chars=20, max_regex_chars=30)
    m = ListManager(store, builtin_signal_types(settings), settings)
    m.create("spam", ListType.TEXT)
    m.create("imgs", ListType.IMAGE)
    return m


def test_each_kind_is_stored_with_its_signal_type(manager: ListManager) -> None:
    result = manager.add_text(
        "spam", terms=[" pills "], allow_terms=["vitamin pills"], regexes=[r"fr[e3]+"], by="t"
    )
    assert [(a.signal_type, a.value) for a in result.added] == [
        ("term", "pills"),
        ("allow_term", "vitamin pills"),
        ("regex", r"fr[e3]+"),
    ]
    assert [a.signal_type for a in manager.add_allow_terms("spam", ["x y"], by="t").added] == [
        "allow_term"
    ]
    assert [a.signal_type for a in manager.add_regexes("spam", ["abc"], by="t").added] == ["regex"]
    exported = {e.signal_type for e in manager.export_entries("spam", signal_type="allow_term")}
    assert exported == {"allow_term"}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"terms": ["  "]}, "empty after normalisation"),
        ({"terms": ["*"]}, "empty after normalisation"),
        ({"allow_terms": ["\u200b"]}, "empty after normalisation"),
        ({"terms": ["x" * 21]}, "longer than 20"),
        ({"terms": ["a\x00b"]}, "NUL"),
        ({"regexes": ["("]}, "invalid"),
        ({"regexes": [""]}, "empty"),
        ({"regexes": ["a?"]}, "empty text"),
        ({"regexes": ["a" * 31]}, "at most 30"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(
    manager: ListManager, kwargs: dict[str, list[str]], reason: str
) -> None:
    values = {"terms": ["good"], "allow_terms": [], "regexes": []}
    for key, bad in kwargs.items():
        values[key] = values[key] + bad
    with pytest.raises(InvalidInput, match=reason):
        manager.add_text(
            "spam",
            terms=values["terms"],
            allow_terms=values["allow_terms"],
            regexes=values["regexes"],
            by="t",
        )
    assert list(manager.export_entries("spam")) == []


def test_text_entries_need_a_text_list(manager: ListManager) -> None:
    with pytest.raises(InvalidInput, match="image list"):
        manager.add_regexes("imgs", ["abc"], by="t")


def test_export_of_a_text_list_keeps_kinds_apart(manager: ListManager) -> None:
    manager.add_text(
        "spam", terms=["pills"], allow_terms=["vitamin pills"], regexes=["x+y"], by="t"
    )
    assert list(manager.export_lines("spam")) == ["pills"]
    assert list(manager.export_lines("spam", signal_type="allow_term")) == ["vitamin pills"]
    assert list(manager.export_lines("spam", signal_type="regex")) == ["x+y"]
