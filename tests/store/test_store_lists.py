"""ListStore contract: creating, reading and validating lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairgate.errors import Conflict, InvalidInput, NotFound
from fairgate.store import SqlStore
from fairgate.store.protocols import DecisionStore, ListStore
from fairgate.types import ListAction, ListType


def test_implements_protocols(store: SqlStore) -> None:
    assert isinstance(store, ListStore)
    assert isinstance(store, DecisionStore)


def test_create_and_get_list(store: SqlStore) -> None:
    before = datetime.now(UTC)
    created = store.create_list(
        "spam.links-v2",
        ListType.TEXT,
        action=ListAction.HOLD,
        severity=4,
        kinds=("search",),
        description="Spam links — ünïcode",
        created_by="alice",
    )
    assert created.id > 0
    assert created.name == "spam.links-v2"
    assert created.list_type is ListType.TEXT
    assert created.action is ListAction.HOLD
    assert created.severity == 4
    assert created.kinds == ("search",)
    assert created.description == "Spam links — ünïcode"
    assert created.created_by == "alice"
    assert created.created_at.tzinfo is not None
    assert created.created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= created.created_at <= datetime.now(UTC)

    assert store.get_list("spam.links-v2") == created
    assert store.get_list_by_id(created.id) == created


def test_defaults(store: SqlStore) -> None:
    created = store.create_list("images", ListType.IMAGE)
    assert created.action is ListAction.BLOCK
    assert created.severity == 1
    assert created.kinds == ("chat", "search")
    assert created.description == ""
    assert created.created_by == "cli"


def test_kinds_are_deduplicated_in_canonical_order(store: SqlStore) -> None:
    created = store.create_list("k", ListType.TEXT, kinds=["search", "chat", "search"])
    assert created.kinds == ("chat", "search")
    from_text = store.create_list("k2", ListType.TEXT, kinds="search")  # type: ignore[arg-type]
    assert from_text.kinds == ("search",)


def test_all_lists_in_creation_order(store: SqlStore) -> None:
    assert store.all_lists() == []
    b = store.create_list("b", ListType.TEXT)
    a = store.create_list("a", ListType.IMAGE)
    assert store.all_lists() == [b, a]


def test_duplicate_name_conflicts(store: SqlStore) -> None:
    store.create_list("dup", ListType.TEXT)
    with pytest.raises(Conflict, match="dup"):
        store.create_list("dup", ListType.IMAGE)
    assert len(store.all_lists()) == 1


def test_names_are_case_sensitive(store: SqlStore) -> None:
    store.create_list("Dup", ListType.TEXT)
    store.create_list("dup", ListType.TEXT)
    assert [lst.name for lst in store.all_lists()] == ["Dup", "dup"]


def test_unknown_list_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.get_list("nope")
    with pytest.raises(NotFound):
        store.get_list_by_id(999)


@pytest.mark.parametrize(
    "name", ["", "a" * 65, "has space", "ünï", "a/b", "x\n", "semi;colon", None]
)
def test_bad_names_rejected(store: SqlStore, name: object) -> None:
    with pytest.raises(InvalidInput, match="list name"):
        store.create_list(name, ListType.TEXT)  # type: ignore[arg-type]
    assert store.all_lists() == []


def test_longest_name_accepted(store: SqlStore) -> None:
    assert store.create_list("a" * 64, ListType.TEXT).name == "a" * 64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"severity": -1}, "severity"),
        ({"severity": 11}, "severity"),
        ({"severity": True}, "severity"),
        ({"severity": "3"}, "severity"),
        ({"kinds": ()}, "kind"),
        ({"kinds": ("chat", "video")}, "kind"),
        ({"action": "nuke"}, "action"),
        ({"created_by": ""}, "creator"),
    ],
)
def test_bad_fields_rejected(store: SqlStore, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        store.create_list("ok", ListType.TEXT, **kwargs)  # type: ignore[arg-type]
    assert not isinstance(info.value, Conflict | NotFound)
    assert store.all_lists() == []


def test_bad_list_type_rejected(store: SqlStore) -> None:
    with pytest.raises(InvalidInput, match="list type"):
        store.create_list("ok", "video")  # type: ignore[arg-type]


def test_severity_bounds_accepted(store: SqlStore) -> None:
    assert store.create_list("zero", ListType.TEXT, severity=0).severity == 0
    assert store.create_list("ten", ListType.TEXT, severity=10).severity == 10


def test_plain_strings_accepted_for_enums(store: SqlStore) -> None:
    created = store.create_list("s", "image", action="flag")  # type: ignore[arg-type]
    assert created.list_type is ListType.IMAGE
    assert created.action is ListAction.FLAG
