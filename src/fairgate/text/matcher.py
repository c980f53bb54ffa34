"""Text matching state: a compiled snapshot, a small delta, background builds.

Compiling 100,000 terms into every form takes seconds, and screening must not
wait for it. So the matcher holds:

* a **snapshot** of compiled *segments*: the one ``load`` built (before the
  process serves, in automata of up to ``load_shard_keys`` keys: with the
  default one automaton, so a message is walked once per distinct form
  text), then one more per background build;
* a **delta**: the entries added since the last build, compiled again
  (cheaply, it is small) on every ``apply``, so a new entry matches on the
  next screen call;
* the **disabled** ids of entries compiled in a segment, filtered out at hit
  time.

The three sit in one immutable ``_State`` replaced by a single assignment, so
a screening thread reads a consistent view without a lock. When the delta
plus the newly disabled ids reach ``delta_rebuild_at``, or
``rebuild_interval_s`` passed since the last build with anything pending, a
build runs in a background thread and is swapped in when done (entries
changed during the build stay in the new delta / disabled set). A build
compiles the delta, with the last segment if the two fit in ``shard_keys``
keys, into automata of at most ``shard_keys`` keys each: ahocorasick-rs holds
the GIL while it builds an automaton (about 7 us a key, measured), so that
bounds how long any screening thread can be stalled, while the large
snapshot of ``load`` is never rebuilt under load. The keys of every term are
computed once, on ``apply``/``load``, and cached by entry id.

Per message: ``fast_texts`` once; every automaton over each distinct form
text; only a candidate surviving the boundary checks calls ``spec.mapped``
(slow) for the span in the original. Hits are deduplicated per (entry,
original span), keeping the least transformed form; a deny hit inside the
span of an allow-term hit of the same list is dropped.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from fairgate.text.keywords import (
    FormKeys,
    Term,
    TermAutomata,
    parse_term,
    term_keys,
    walks_of,
)
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


def _lowest_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


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
    """Keys per automaton built in the background (bounds how long one build holds the GIL)."""
    load_shard_keys: int = 2_000_000
    """Keys per automaton of the snapshot built by ``load`` (before serving: one walk
    per distinct form text instead of one per shard)."""
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
        *,
        shard_keys: int | None = None,
    ) -> None:
        cache = keys if keys is not None else {}
        self.entries = tuple(entries)
        self.ids = frozenset(e.entry_id for e in entries)
        self._terms = TermAutomata(
            (
                Term(e.entry_id, e.list_id, e.value, allow=e.kind == ALLOW_TERM)
                for e in entries
                if e.kind in (TERM, ALLOW_TERM)
            ),
            word_boundaries=config.word_boundaries,
            shard_keys=shard_keys or config.shard_keys,
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

    @property
    def key_count(self) -> int:
        return self._terms.key_count

    @property
    def automata(self) -> int:
        return self._terms.automata

    def search(self, plan: Sequence[tuple[int, str, bool]]) -> list[_Raw]:
        return self.search_walks(walks_of(plan))

    def search_walks(self, walks: Sequence[tuple[str, int]]) -> list[_Raw]:
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
            for c in self._terms.walk(walks)
        ]
        if len(self._regexes):
            firsts = ((_lowest_bit(mask), text) for text, mask in walks)
            texts = [(i, text) for i, text in firsts if i in _REGEX_FORMS]
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
    segments: tuple[Compiled, ...]
    """The snapshot: the automata ``load`` built, then one per background build."""
    delta: Compiled
    disabled: frozenset[int]
    """Ids compiled in the segments that are no longer active (filtered at hit time)."""

    def search(self, walks: Sequence[tuple[str, int]]) -> list[_Raw]:
        raw: list[_Raw] = []
        for segment in self.segments:
            raw.extend(segment.search_walks(walks))
        raw.extend(self.delta.search_walks(walks))
        if self.disabled:
            raw = [r for r in raw if r.entry_id not in self.disabled]
        return raw


class TextMatcher:
    """Matches text against every term, allow-term and regex entry it is given."""

    def __init__(self, config: MatcherConfig | None = None) -> None:
        self.config = config or MatcherConfig()
        empty = Compiled([], self.config)
        self._state = _State((), empty, frozenset())
        self._lock = threading.Lock()
        self._entries: dict[int, TextEntry] = {}
        self._keys: dict[int, FormKeys] = {}
        self._delta: dict[int, TextEntry] = {}
        self._disabled: set[int] = set()
        """Disabled since the last build (pending)."""
        self._dead: set[int] = set()
        """Disabled ids a build has taken note of that are still compiled in a segment."""
        self._compiled: frozenset[int] = frozenset()
        """The ids compiled in the segments."""
        self._built_at = time.monotonic()
        self._builder: threading.Thread | None = None
        self._generation = 0
        """Bumped by ``load``: a background build of an older generation is dropped."""
        self.builds = 0
        """Full builds completed (the initial load included)."""

    # -- state -------------------------------------------------------------
    def load(self, entries: Iterable[TextEntry]) -> None:
        """Replace everything with ``entries`` and build synchronously, in
        automata of up to ``load_shard_keys`` keys (call before serving)."""
        with self._lock:
            self._entries = {e.entry_id: e for e in entries}
            self._keys = {}
            for entry in self._entries.values():
                self._cache_keys(entry)
            snapshot = Compiled(
                list(self._entries.values()),
                self.config,
                self._keys,
                shard_keys=self.config.load_shard_keys,
            )
            empty = Compiled([], self.config)
            self._delta, self._disabled, self._dead = {}, set(), set()
            self._state = _State((snapshot,), empty, frozenset())
            self._compiled = snapshot.ids
            self._built_at = time.monotonic()
            self._generation += 1
            self.builds += 1

    def apply(self, added: Iterable[TextEntry] = (), disabled: Iterable[int] = ()) -> None:
        """Entries added and ids disabled since the last call: they take effect
        for the next ``match`` (the delta is recompiled here)."""
        with self._lock:
            compiled = self._compiled
            changed = False
            for entry in added:
                if entry.entry_id in self._entries:
                    continue
                self._entries[entry.entry_id] = entry
                self._cache_keys(entry)
                if entry.entry_id not in compiled:
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
                self._publish(self._state.segments)
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

    def _publish(self, segments: tuple[Compiled, ...]) -> None:
        """Recompile the delta and swap the state in (call with the lock held)."""
        delta = Compiled(list(self._delta.values()), self.config, self._keys)
        self._state = _State(segments, delta, frozenset(self._dead | self._disabled))

    @property
    def pending(self) -> int:
        """Changes not yet taken in by a build (delta entries plus disabled ids)."""
        return len(self._delta) + len(self._disabled)

    @property
    def automata(self) -> int:
        """Automata a message is walked through per distinct form text."""
        state = self._state
        return sum(s.automata for s in state.segments) + state.delta.automata

    @property
    def rebuilding(self) -> bool:
        builder = self._builder
        return builder is not None and builder.is_alive()

    def __len__(self) -> int:
        return len(self._entries)

    # -- background rebuild --------------------------------------------------
    def maybe_rebuild(self) -> bool:
        """Start a background build if enough is pending (or it is time)."""
        pending = self.pending
        if not pending or self.rebuilding:
            return False
        due = time.monotonic() - self._built_at >= self.config.rebuild_interval_s
        if pending < self.config.delta_rebuild_at and not due:
            return False
        return self.rebuild()

    def rebuild(self) -> bool:
        """Fold the pending changes into the snapshot, in a background thread
        (False if a build is running).

        The build compiles the delta, together with the last segment when
        that one plus the delta stay within ``shard_keys`` keys (so a
        small snapshot is rebuilt whole, disabled entries dropped), into a new
        last segment of automata of at most ``shard_keys`` keys each: no
        single automaton build holding the GIL is larger than that. Larger
        segments are left as they are; their disabled entries are filtered
        at hit time until the next ``load`` (process start) compiles them out.
        """
        with self._lock:
            if self.rebuilding:
                return False
            segments = self._state.segments
            delta = list(self._delta.values())
            delta_keys = sum(len(k) for e in delta for k in self._keys.get(e.entry_id, ()))
            merged: Compiled | None = None
            if segments and segments[-1].key_count + delta_keys <= self.config.shard_keys:
                merged = segments[-1]
            entries = delta
            if merged is not None:
                entries = [e for e in merged.entries if e.entry_id in self._entries] + delta
            self._builder = threading.Thread(
                target=self._build,
                args=(entries, dict(self._keys), merged, set(self._disabled), self._generation),
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

    def _build(
        self,
        entries: list[TextEntry],
        keys: dict[int, FormKeys],
        merged: Compiled | None,
        noted: set[int],
        generation: int,
    ) -> None:
        # The build allocates millions of small objects: the cyclic GC's full
        # collections it would trigger hold the GIL for 100+ ms (measured), so
        # automatic collection is paused while it runs (process-wide, seconds).
        collecting = gc.isenabled()
        gc.disable()
        try:
            segment = Compiled(entries, self.config, keys)
        except Exception:  # keep serving the old snapshot; the next trigger retries
            log.exception("background text rebuild failed")
            return
        finally:
            if collecting:
                gc.enable()
        with self._lock:
            if generation != self._generation:
                return  # ``load`` replaced everything meanwhile
            kept = tuple(s for s in self._state.segments if s is not merged)
            segments = (*kept, segment) if len(segment) or not kept else kept
            compiled = self._compiled = frozenset().union(*(s.ids for s in segments))
            self._delta = {i: e for i, e in self._entries.items() if i not in compiled}
            gone = {i for i in compiled if i not in self._entries}
            self._dead = gone & (self._dead | noted)
            self._disabled = gone - self._dead
            self._publish(segments)
            self._built_at = time.monotonic()
            self.builds += 1

    # -- matching ------------------------------------------------------------
    def match(self, text: str) -> list[TextHit]:
        """Every entry matching ``text``, with spans in ``text``."""
        state = self._state
        if not text or not (any(len(s) for s in state.segments) or len(state.delta)):
            return []
        plan = _plan(text)
        raw = state.search(walks_of(plan))
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
            group = state.search(((form.text, 1 << form_index),))
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
