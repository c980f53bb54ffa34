"""LiveIndexes: the engine's indexes follow the store's change log."""

from __future__ import annotations

from pathlib import Path

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
