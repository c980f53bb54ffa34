"""LiveIndexes: the engine's indexes follow the store's change log."""

from __future__ import annotations

from pathlib import Path

from fairgate.engine import Engine
from fairgate.index.live import FULL_RELOAD_AFTER, LiveIndexes
from fairgate.settings import Settings
from fairgate.signals.registry import builtin_signal_types
from fairgate.store import open_store
from fairgate.store.records import NewEntry
from fairgate.types import ListType

PDQ = "a" * 64
NEAR = "b" + "a" * 63  # 1 bit away in the first nibble (a=1010, b=1011)


def test_nothing_loads_until_first_refresh_then_changes_replay(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    lst = store.create_list("imgs", ListType.IMAGE)
    (first,) = store.add_entries(lst.id, [NewEntry("pdq", PDQ)], added_by="t")
    live = LiveIndexes(store, builtin_signal_types(Settings()))
    assert live.size("pdq") == 0
    assert live.refresh() == 0
    assert live.size("pdq") == 1
    store.add_entries(lst.id, [NewEntry("pdq", "0f" * 32)], added_by="t")
    store.disable_entry(lst.id, first, by="t")
    assert live.refresh() == 2
    assert live.size("pdq") == 1
    assert live.seq == store.last_change_seq()
    assert live.refresh() == 0


def test_many_changes_reload_everything(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    lst = store.create_list("terms", ListType.TEXT)
    live = LiveIndexes(store, builtin_signal_types(Settings()))
    live.refresh()
    terms = [NewEntry("term", f"word{i}") for i in range(FULL_RELOAD_AFTER + 1)]
    store.add_entries(lst.id, terms, added_by="t")
    assert live.refresh() == FULL_RELOAD_AFTER + 1
    assert [m.entry_id for m in live.match_text("say word77 now")] != []


def test_text_entries_follow_the_change_log(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    lst = store.create_list("spam", ListType.TEXT)
    store.add_entries(
        lst.id,
        [NewEntry("term", "casino"), NewEntry("allow_term", "casino royale")],
        added_by="t",
    )
    live = LiveIndexes(store, builtin_signal_types(Settings()))
    live.refresh()
    assert [m.evidence.matched for m in live.match_text("Casino Royale or casino?")] == ["casino"]
    (regex_id, term_id) = store.add_entries(
        lst.id, [NewEntry("regex", r"fr[e3]{2} money"), NewEntry("term", "pills")], added_by="t"
    )
    live.refresh()
    found = live.match_text("fr33 money for pills", source="attachment:0:ocr")
    assert sorted((m.entry_id, m.signal_type, m.source) for m in found) == [
        (regex_id, "regex", "attachment:0:ocr"),
        (term_id, "term", "attachment:0:ocr"),
    ]
    assert found[0].evidence.form == "nfkc_casefold"
    store.disable_entry(lst.id, term_id, by="t")
    live.refresh()
    assert [m.entry_id for m in live.match_text("pills")] == []


def test_reload_while_serving_applies_the_difference(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    lst = store.create_list("terms", ListType.TEXT)
    (old,) = store.add_entries(lst.id, [NewEntry("term", "oldterm")], added_by="t")
    live = LiveIndexes(store, builtin_signal_types(Settings()))
    live.refresh()
    store.disable_entry(lst.id, old, by="t")
    store.add_entries(lst.id, [NewEntry("term", "newterm")], added_by="t")
    live.reload()
    assert [m.evidence.term for m in live.match_text("oldterm newterm")] == ["newterm"]
    assert live.text.builds == 1  # no synchronous full build: the delta took it


def test_the_engine_settings_reach_the_text_matcher(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'm.db'}",
        term_shard_keys=123,
        latin_word_boundaries=False,
    )
    with Engine.open(settings=settings) as engine:
        config = engine.indexes.text.config
    assert config.shard_keys == 123
    assert config.word_boundaries is False
