"""Text matching state: a compiled snapshot, a small delta, a background rebuild.

Compiling 100,000 terms into every form takes seconds, and screening must not
wait for it. So the matcher holds:

* a **snapshot**: the terms and regexes compiled at the last full build,
  immutable;
* a **delta**: the entries added since then, compiled again (cheaply, it is
  small) on every ``apply``, so a new entry matches on the next screen call;
* the **disabled** ids of snapshot entries, filtered out at hit time.

The three sit in one immutable ``_State`` replaced by a single assignment, so
a screening thread reads a consistent view without a lock. When the delta
plus the disabled ids reach ``delta_rebuild_at``, or ``rebuild_interval_s``
passed since the last full build with anything pending, a full build runs
in a background thread and is swapped in when done (entries changed during
the build stay in the new delta / disabled set). The keys of every term are
computed once, on ``apply``/``load``, and cached by entry id.

Per message: ``fast_texts`` once; every automaton over its form text; only a
candidate surviving the boundary checks calls ``spec.mapped`` (slow) for the
span in the original. Hits are deduplicated per (entry, original span),
keeping the least transformed form; a deny hit inside the span of an
allow-term hit of the same list is dropped.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from fairgate.text.keywords import FormKeys, Term, TermAutomata, parse_term, term_keys
from fairgate.text.normalize import FORMS, fast_texts
from fairgate.text.regexes import SKIP_FORMS, RegexRules, Rule

log = logging.getLogger(__name__)

TERM = "term"
ALLOW_TERM = "allow_term"
REGEX = "regex"
TEXT_SIGNAL_TYPES: tuple[str, ...] = (TERM, ALLOW_TERM, REGEX)
Kind = Literal["term", "allow_term", "regex"]

_REPEAT_FORM = next((i for i, spec in enumerate(FORMS) if spec.name == "repeat"), len(FORMS))


def _long_enough(form_index: int, kind: str, term: str, span: tuple[int, int]) -> bool:
    """From the repeat form on, doubled letters are collapsed in terms too, so
    a term hit there must cover at least as many characters of the sender's
    text as the term has (besides spaces): ``as`` must not fire ``ass``,
    ``teen`` is not ``ten`` (see ``text/steps/repeats.py``)."""
    if form_index < _REPEAT_FORM or kind == REGEX:
        return True
    core = parse_term(term).core
    return span[1] - span[0] >= len(FORMS[0].fast(core).replace(" ", ""))


_REGEX_FORMS = frozenset(i for i, spec in enumerate(FORMS) if spec.name not in SKIP_FORMS)


@dataclass(frozen=True, slots=True)
class TextEntry:
    entry_id: int
    list_id: int
    kind: str
    """``term``, ``allow_term`` or ``regex`` (the entry's signal type)."""
    value: str


@dataclass(frozen=True, slots=True)
class TextHit:
    entry_id: int
    list_id: int
    kind: str
    term: str
    """The listed term or pattern."""
    form: str
    span: tuple[int, int]
    """Span in the original text."""


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    word_boundaries: bool = True
    shard_keys: int = 50_000
    regex_max_mem: int = 8 << 20
    delta_rebuild_at: int = 2_000
    rebuild_interval_s: float = 300.0


@dataclass(frozen=True, slots=True)
class _Raw:
    form: int
    start: int
    end: int
    entry_id: int
    list_id: int
    kind: str
    term: str


class Compiled:
    """Terms and regexes of a set of entries, compiled (immutable)."""

    def __init__(
        self,
        entries: Sequence[TextEntry],
        config: MatcherConfig,
        keys: dict[int, FormKeys] | None = None,
    ) -> None:
        cache = keys if keys is not None else {}
        self.ids = frozenset(e.entry_id for e in entries)
        self._terms = TermAutomata(
            (
                Term(e.entry_id, e.list_id, e.value, allow=e.kind == ALLOW_TERM)
                for e in entries
                if e.kind in (TERM, ALLOW_TERM)
            ),
            word_boundaries=config.word_boundaries,
            shard_keys=config.shard_keys,
            keys_of=lambda t: cache.get(t.entry_id) or term_keys(t.text),
        )
        self._regexes = RegexRules(
            (Rule(e.entry_id, e.list_id, e.value) for e in entries if e.kind == REGEX),
            max_mem=config.regex_max_mem,
        )
        for rule in self._regexes.rejected:
            log.warning("regex entry %s no longer compiles; skipped", rule.entry_id)

    def __len__(self) -> int:
        return len(self._terms) + len(self._regexes)

    def search(self, plan: Sequence[tuple[int, str, bool]]) -> list[_Raw]:
        found = [
            _Raw(
                c.form,
                c.start,
                c.end,
                c.slot.term.entry_id,
                c.slot.term.list_id,
                ALLOW_TERM if c.slot.term.allow else TERM,
                c.slot.term.text,
            )
            for c in self._terms.candidates(plan)
        ]
        if len(self._regexes):
            texts = [(i, text) for i, text, full in plan if full and i in _REGEX_FORMS]
            found.extend(
                _Raw(h.form, h.start, h.end, h.rule.entry_id, h.rule.list_id, REGEX, h.rule.pattern)
                for h in self._regexes.search(texts)
            )
        return found


def _plan(text: str) -> list[tuple[int, str, bool]]:
    """``(form index, form text, full)`` for every form; ``full`` is False for
    a form whose text equals an earlier form's (it is walked with that one,
    see ``keywords``)."""
    seen: set[str] = set()
    plan: list[tuple[int, str, bool]] = []
    for i, value in enumerate(fast_texts(text)):
        plan.append((i, value, value not in seen))
        seen.add(value)
    return plan


@dataclass(frozen=True, slots=True)
class _State:
    snapshot: Compiled
    delta: Compiled
    disabled: frozenset[int]


class TextMatcher:
    """Matches text against every term, allow-term and regex entry it is given."""

    def __init__(self, config: MatcherConfig | None = None) -> None:
        self.config = config or MatcherConfig()
        empty = Compiled([], self.config)
        self._state = _State(empty, empty, frozenset())
        self._lock = threading.Lock()
        self._entries: dict[int, TextEntry] = {}
        self._keys: dict[int, FormKeys] = {}
        self._delta: dict[int, TextEntry] = {}
        self._disabled: set[int] = set()
        self._built_at = time.monotonic()
        self._builder: threading.Thread | None = None
        self._generation = 0
        """Bumped by ``load``: a background build of an older generation is dropped."""
        self.builds = 0
        """Full builds completed (the initial load included)."""

    # -- state -------------------------------------------------------------
    def load(self, entries: Iterable[TextEntry]) -> None:
        """Replace everything with ``entries`` and build synchronously."""
        with self._lock:
            self._entries = {e.entry_id: e for e in entries}
            self._keys = {}
            for entry in self._entries.values():
                self._cache_keys(entry)
            snapshot = Compiled(list(self._entries.values()), self.config, self._keys)
            empty = Compiled([], self.config)
            self._delta, self._disabled = {}, set()
            self._state = _State(snapshot, empty, frozenset())
            self._built_at = time.monotonic()
            self._generation += 1
            self.builds += 1

    def apply(self, added: Iterable[TextEntry] = (), disabled: Iterable[int] = ()) -> None:
        """Entries added and ids disabled since the last call: they take effect
        for the next ``match`` (the delta is recompiled here)."""
        with self._lock:
            snapshot_ids = self._state.snapshot.ids
            changed = False
            for entry in added:
                if entry.entry_id in self._entries:
                    continue
                self._entries[entry.entry_id] = entry
                self._cache_keys(entry)
                if entry.entry_id not in snapshot_ids:
                    self._delta[entry.entry_id] = entry
                changed = True
            for entry_id in disabled:
                if self._entries.pop(entry_id, None) is None:
                    continue
                self._keys.pop(entry_id, None)
                if self._delta.pop(entry_id, None) is None:
                    self._disabled.add(entry_id)
                changed = True
            if changed:
                self._publish(self._state.snapshot)
        self.maybe_rebuild()

    def replace(self, entries: Iterable[TextEntry]) -> None:
        """Make the active entries exactly ``entries``, through ``apply``."""
        wanted = {e.entry_id: e for e in entries}
        with self._lock:
            gone = [i for i in self._entries if i not in wanted]
            new = [e for i, e in wanted.items() if i not in self._entries]
        self.apply(new, gone)

    def _cache_keys(self, entry: TextEntry) -> None:
        if entry.kind in (TERM, ALLOW_TERM):
            self._keys[entry.entry_id] = term_keys(entry.value)

    def _publish(self, snapshot: Compiled) -> None:
        """Recompile the delta and swap the state in (call with the lock held)."""
        delta = Compiled(list(self._delta.values()), self.config, self._keys)
        self._state = _State(snapshot, delta, frozenset(self._disabled))

    @property
    def pending(self) -> int:
        """Changes not yet in the snapshot (delta entries plus disabled ids)."""
        return len(self._delta) + len(self._disabled)

    @property
    def rebuilding(self) -> bool:
        builder = self._builder
        return builder is not None and builder.is_alive()

    def __len__(self) -> int:
        return len(self._entries)

    # -- background rebuild --------------------------------------------------
    def maybe_rebuild(self) -> bool:
        """Start a background full build if enough is pending (or it is time)."""
        pending = self.pending
        if not pending or self.rebuilding:
            return False
        due = time.monotonic() - self._built_at >= self.config.rebuild_interval_s
        if pending < self.config.delta_rebuild_at and not due:
            return False
        return self.rebuild()

    def rebuild(self) -> bool:
        """Start a full build in a background thread (False if one is running)."""
        with self._lock:
            if self.rebuilding:
                return False
            entries = list(self._entries.values())
            keys = dict(self._keys)
            self._builder = threading.Thread(
                target=self._build,
                args=(entries, keys, self._generation),
                name="fairgate-text-rebuild",
                daemon=True,
            )
            self._builder.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running background build; True when none is running."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
        return not self.rebuilding

    def _build(self, entries: list[TextEntry], keys: dict[int, FormKeys], generation: int) -> None:
        # The build allocates millions of small objects: the cyclic GC's full
        # collections it would trigger hold the GIL for 100+ ms (measured), so
        # automatic collection is paused while it runs (process-wide, seconds).
        collecting = gc.isenabled()
        gc.disable()
        try:
            snapshot = Compiled(entries, self.config, keys)
        except Exception:  # keep serving the old snapshot; the next trigger retries
            log.exception("background text rebuild failed")
            return
        finally:
            if collecting:
                gc.enable()
        with self._lock:
            if generation != self._generation:
                return  # ``load`` replaced everything meanwhile
            self._delta = {i: e for i, e in self._entries.items() if i not in snapshot.ids}
            self._disabled = {i for i in snapshot.ids if i not in self._entries}
            self._publish(snapshot)
            self._built_at = time.monotonic()
            self.builds += 1

    # -- matching ------------------------------------------------------------
    def match(self, text: str) -> list[TextHit]:
        """Every entry matching ``text``, with spans in ``text``."""
        state = self._state
        if not text or not (len(state.snapshot) or len(state.delta)):
            return []
        plan = _plan(text)
        raw = state.snapshot.search(plan) + state.delta.search(plan)
        if state.disabled:
            raw = [r for r in raw if r.entry_id not in state.disabled]
        if not raw:
            return []
        return _suppress_allowed(_locate(text, raw, state, plan))


def _locate(
    text: str, raw: list[_Raw], state: _State, plan: list[tuple[int, str, bool]]
) -> list[TextHit]:
    """Original spans of the raw hits, least transformed form first: one hit
    per (entry, span), and a later form's hit overlapping an earlier form's
    hit of the same entry is the same occurrence (``spammers``: ``spam`` in
    ``nfkc_casefold``, ``spamm`` in ``repeat``)."""
    fast = {i: t for i, t, _ in plan}
    seen: set[tuple[int, tuple[int, int]]] = set()
    earlier: dict[int, list[tuple[int, int]]] = {}
    """Spans per entry reported from less transformed forms."""
    hits: list[TextHit] = []
    for form_index in sorted({r.form for r in raw}):
        form = FORMS[form_index].mapped(text)
        if form.text != fast[form_index]:
            # The fast and mapped texts of a form disagree (they must not:
            # property-tested); trust the mapped one and search it in full.
            redo = [(form_index, form.text, True)]
            group = [
                r
                for r in state.snapshot.search(redo) + state.delta.search(redo)
                if r.entry_id not in state.disabled
            ]
        else:
            group = [r for r in raw if r.form == form_index]
        reported: list[TextHit] = []
        for r in sorted(group, key=lambda r: (r.start, r.end, r.entry_id)):
            span = form.original_span(r.start, r.end)
            marker = (r.entry_id, span)
            if not _long_enough(form_index, r.kind, r.term, span):
                continue
            if marker in seen or any(
                a < span[1] and span[0] < b for a, b in earlier.get(r.entry_id, ())
            ):
                continue
            seen.add(marker)
            reported.append(TextHit(r.entry_id, r.list_id, r.kind, r.term, form.name, span))
        for hit in reported:
            earlier.setdefault(hit.entry_id, []).append(hit.span)
        hits.extend(reported)
    return hits


def _suppress_allowed(hits: list[TextHit]) -> list[TextHit]:
    """Drop deny hits lying inside an allow-term hit of the same list; allow
    hits are not reported."""
    allowed: dict[int, list[tuple[int, int]]] = {}
    for hit in hits:
        if hit.kind == ALLOW_TERM:
            allowed.setdefault(hit.list_id, []).append(hit.span)
    result: list[TextHit] = []
    for hit in hits:
        if hit.kind == ALLOW_TERM:
            continue
        spans = allowed.get(hit.list_id, ())
        if any(a <= hit.span[0] and hit.span[1] <= b for a, b in spans):
            continue
        result.append(hit)
    return sorted(result, key=lambda h: (h.span, h.entry_id))
