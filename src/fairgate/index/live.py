"""The in-memory indexes of one engine, kept current from the store's change log.

Loading takes the change sequence number first and then every active entry,
so replaying changes after that number is safe (adding an id twice replaces
it; disabling twice is a no-op). Nothing is loaded until the first
``refresh``, which runs before each screen call and costs
one cheap query when nothing changed.

Text entries (terms, allow-terms, regexes) go to a ``TextMatcher``
(``text/matcher.py``): the first load compiles them synchronously; later
changes land in its small delta at once and a full rebuild runs in the
background.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache

from fairgate.errors import NotFound
from fairgate.index import omp
from fairgate.index.base import SignalIndex
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.store.protocols import ListStore
from fairgate.store.records import EntryRecord, ListRecord
from fairgate.text.matcher import TEXT_SIGNAL_TYPES, MatcherConfig, TextEntry, TextMatcher
from fairgate.types import Evidence, ListType, Match, Signal

FULL_RELOAD_AFTER = 5_000
"""More pending changes than this reload everything instead of replaying them."""


class LiveIndexes:
    def __init__(
        self,
        store: ListStore,
        signal_types: Mapping[str, SignalType],
        *,
        settings: Settings | None = None,
    ) -> None:
        settings = settings or Settings()
        omp.configure(settings.faiss_threads)  # screening queries are small: see index/omp.py
        self._store = store
        self._types = dict(signal_types)
        self._seq = 0
        self.lists: dict[int, ListRecord] = {}
        self._indexes: dict[str, SignalIndex] = {}
        self.text = TextMatcher(
            MatcherConfig(
                word_boundaries=settings.latin_word_boundaries,
                shard_keys=settings.term_shard_keys,
                load_shard_keys=settings.term_load_shard_keys,
                regex_max_mem=settings.regex_max_mem,
                delta_rebuild_at=settings.term_delta_rebuild_at,
                rebuild_interval_s=settings.term_rebuild_interval_s,
            )
        )
        self._entry = lru_cache(maxsize=65_536)(self._store.get_entry)
        self._loaded = False
        self._lock = threading.RLock()
        """Serialises loading and applying changes with matching: a service runs
        screen calls on several threads and applies the change feed on another."""

    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def applying(self) -> bool:
        """Another thread is loading or applying changes now (matching waits for it)."""
        if self._lock.acquire(blocking=False):
            self._lock.release()
            return False
        return True

    # -- loading ---------------------------------------------------------
    def reload(self) -> None:
        with self._lock:
            self._reload()

    def _reload(self) -> None:
        seq = self._store.last_change_seq()
        self.lists = {lst.id: lst for lst in self._store.all_lists()}
        self._indexes = {name: t.make_index() for name, t in self._types.items()}
        self._entry.cache_clear()
        for name, index in self._indexes.items():
            index.extend(self._store.active_values(name))
        entries = [
            _text_entry(entry)
            for kind in TEXT_SIGNAL_TYPES
            for entry in self._store.entries(signal_type=kind)
        ]
        if self._loaded:
            # Already serving: apply the difference (delta now, full build in
            # the background) rather than stall screening for a full build.
            self.text.replace(entries)
        else:
            self.text.load(entries)
        self._seq = seq
        self._loaded = True

    def refresh(self) -> int:
        """Apply changes made since the last refresh (loading everything on first
        use); returns how many changes were applied."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> int:
        if not self._loaded:
            self._reload()
            return 0
        latest = self._store.last_change_seq()
        if latest <= self._seq:
            self.text.maybe_rebuild()
            return 0
        pending = latest - self._seq
        if pending > FULL_RELOAD_AFTER:
            self._reload()
            return pending
        applied = 0
        text_added: list[TextEntry] = []
        text_disabled: list[int] = []
        while self._seq < latest:
            changes = self._store.changes_since(self._seq)
            if not changes:
                break
            entries = self._store.get_entries([c.entry_id for c in changes])
            self._entry.cache_clear()
            for change in changes:
                if change.list_id not in self.lists:
                    self.lists = {lst.id: lst for lst in self._store.all_lists()}
                entry = entries.get(change.entry_id)
                if entry is None:  # pragma: no cover - entries are never deleted
                    raise NotFound(f"change {change.seq} names a missing entry {change.entry_id}")
                if entry.signal_type in TEXT_SIGNAL_TYPES:
                    if change.op == "add" and entry.active:
                        text_added.append(_text_entry(entry))
                    else:
                        text_disabled.append(entry.id)
                elif entry.signal_type in self._indexes:
                    index = self._indexes[entry.signal_type]
                    if change.op == "add" and entry.active:
                        index.add([(entry.id, entry.value)])
                    else:
                        index.disable([entry.id])
                self._seq = change.seq
                applied += 1
        if text_added or text_disabled:
            self.text.apply(text_added, text_disabled)
        return applied

    @property
    def seq(self) -> int:
        return self._seq

    def size(self, signal_type: str) -> int:
        index = self._indexes.get(signal_type)
        return len(index) if index is not None else 0

    # -- matching --------------------------------------------------------
    def match_signals(self, signals: Sequence[Signal]) -> list[Match]:
        """Matches of the given (already quality-checked) signals. For one
        entry and one attachment only the closest variant is reported."""
        best: dict[tuple[int, int], tuple[int, Signal]] = {}
        by_type: dict[str, list[Signal]] = {}
        for signal in signals:
            by_type.setdefault(signal.signal_type, []).append(signal)
        for signal_type, group in by_type.items():
            with self._lock:  # only to read the index in place: it locks itself to query
                index = self._indexes.get(signal_type)
            if index is None or len(index) == 0:
                continue
            results = index.query([s.value for s in group])
            for signal, hits in zip(group, results, strict=True):
                for hit in hits:
                    key = (hit.entry_id, signal.attachment)
                    current = best.get(key)
                    if (
                        current is None
                        or hit.distance < current[0]
                        or (hit.distance == current[0] and signal.variant == "original")
                    ):
                        best[key] = (hit.distance, signal)
        matches: list[Match] = []
        for (entry_id, attachment), (distance, signal) in sorted(best.items()):
            entry = self._lookup(entry_id)
            if entry is None or entry.list_id not in self.lists:
                continue
            lst = self.lists[entry.list_id]
            matches.append(
                Match(
                    list_id=lst.id,
                    list_name=lst.name,
                    entry_id=entry_id,
                    signal_type=signal.signal_type,
                    source=f"attachment:{attachment}",
                    evidence=Evidence(
                        distance=distance,
                        variant=signal.variant,
                        quality=signal.quality,
                        value=signal.value,
                    ),
                )
            )
        return matches

    def match_text(self, text: str, source: str = "text") -> list[Match]:
        """Matches of the text lists' terms and regexes in ``text`` (a message,
        a query, or text read from an attachment: ``source`` says which)."""
        if not text:
            return []
        matches: list[Match] = []
        for hit in self.text.match(text):
            lst = self.lists.get(hit.list_id)
            if lst is None or lst.list_type is not ListType.TEXT:
                continue
            start, end = hit.span
            matches.append(
                Match(
                    list_id=lst.id,
                    list_name=lst.name,
                    entry_id=hit.entry_id,
                    signal_type=hit.kind,
                    source=source,
                    evidence=Evidence(
                        span=hit.span, matched=text[start:end], term=hit.term, form=hit.form
                    ),
                )
            )
        return matches

    def _lookup(self, entry_id: int) -> EntryRecord | None:
        try:
            entry: EntryRecord = self._entry(entry_id)
        except NotFound:
            return None
        return entry if entry.active else None


def _text_entry(entry: EntryRecord) -> TextEntry:
    return TextEntry(entry.id, entry.list_id, entry.signal_type, entry.value)
