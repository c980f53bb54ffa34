"""List terms compiled to Aho-Corasick automata (ahocorasick-rs), shared by all forms.

The automata hold the keys (``FormSpec.term_keys``) of every term of every
text list in every form, deny and allow terms alike; the payload of a key
names the terms behind it and the forms it is theirs in. A message is run
through the automata once per distinct form text it produces.

Term syntax
-----------
A term is plain text, matched after normalisation (so ``Cheap Pills`` also
catches ``ｃｈｅａｐ ｐｉｌｌｓ``, ``ch3ap p1lls``, ...). Latin-script (more
exactly: any script written with spaces) terms must sit on word boundaries,
so ``cheap pills`` fires on ``CHEAP Pills now`` and not on ``cheapskate
pillows``. A leading and/or trailing ``*`` lifts that on its side: ``*pill*``
may sit inside a word (``bluepills``), ``pill*`` must start a word (``pills``,
not ``spill``). Scripts written without spaces (CJK, Thai, ...) match
anywhere. The setting ``latin_word_boundaries=false`` lifts every boundary.

One automaton for all forms
---------------------------
All forms share one set of automata holding the union of every form's keys;
the payload of a key names, per term, the forms the key belongs to (a bit
mask). A message walks the automata once per *distinct* form text
(``fast_forms`` drops a form whose text equals an earlier one, so plain
ASCII text is walked once), and a key found there counts for the forms that
produced that text and that the key belongs to; the least transformed of
them is reported. Walking one automaton per form instead cost 2-4x more per
message (measured with 100k terms).

Automata are ahocorasick-rs (the Rust ``aho-corasick`` crate): measured on
this 2-core Xeon with 100k terms (173k keys over all forms) it walks a
70-character message in 1.5 us where pyahocorasick took 40-200 us (its
node transitions are searched linearly, and the root of a large CJK + Latin
automaton has thousands). Building holds the GIL (about 7 us a key; its
source only lets go briefly between chunks of 10k patterns while reading
them, and not at all while it computes the failure links and the contiguous
automaton, measured: 300k keys stall other threads 2.6-3.6 s), so keys are
built in shards of at most ``shard_keys``. The matcher (``text/matcher.py``)
builds its first snapshot, before serving, with one large shard (one walk
per distinct form text: 6 shards of 50k keys cost about 2.5x more per
message), and background builds with small ones.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ahocorasick_rs import AhoCorasick, MatchKind

from fairgate.text.normalize import FORMS

WILDCARD = "*"


@dataclass(frozen=True, slots=True)
class Term:
    entry_id: int
    list_id: int
    text: str
    """The term as listed (with any ``*``)."""
    allow: bool = False
    """An allow-term: its hits suppress deny hits of the same list inside them."""


@dataclass(frozen=True, slots=True)
class TermPattern:
    """A parsed term: the text to match and whether each side may touch a word."""

    core: str
    inside_left: bool
    inside_right: bool


def parse_term(text: str) -> TermPattern:
    """Split the ``*`` markers off a term (see the module doc)."""
    s = text.strip()
    left = s.startswith(WILDCARD)
    if left:
        s = s[1:]
    right = s.endswith(WILDCARD)
    if right:
        s = s[:-1]
    return TermPattern(s.strip(), left, right)


FormKeys = tuple[tuple[str, ...], ...]
"""The keys of one term, per form (index as in ``FORMS``)."""


def term_keys(text: str) -> FormKeys:
    """The keys of a listed term in every form (about 70 us a term: cache it)."""
    core = parse_term(text).core
    if not core:
        return tuple(() for _ in FORMS)
    return tuple(spec.term_keys(core) for spec in FORMS)


@dataclass(frozen=True, slots=True)
class Slot:
    """One term behind one key, with the boundary checks that key needs."""

    term: Term
    check_left: bool
    check_right: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """A key found in the text of form ``form`` at ``[start, end)`` of that text."""

    form: int
    start: int
    end: int
    slot: Slot


_SPACELESS_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@lru_cache(maxsize=4096)
def needs_boundary(ch: str) -> bool:
    """Whether a term starting/ending with ``ch`` must sit on a word boundary there.

    True for letters and digits of scripts that separate words with spaces.
    """
    if not _is_word_char(ch):
        return False
    name = unicodedata.name(ch, "")
    return not name.startswith(_SPACELESS_PREFIXES)


def on_boundaries(text: str, start: int, end: int, slot: Slot) -> bool:
    if slot.check_left and start > 0 and _is_word_char(text[start - 1]):
        return False
    return not (slot.check_right and end < len(text) and _is_word_char(text[end]))


Payload = tuple[tuple[Slot, int], ...]
"""The terms behind a key, each with the mask of the forms the key is theirs in."""


@dataclass(frozen=True, slots=True)
class _Shard:
    automaton: AhoCorasick
    payloads: tuple[Payload, ...]
    """Indexed by the automaton's pattern index."""


def _build(keys: dict[str, dict[Slot, int]], shard_keys: int) -> tuple[_Shard, ...]:
    items = list(keys.items())
    shards: list[_Shard] = []
    for i in range(0, len(items), shard_keys):
        chunk = items[i : i + shard_keys]
        automaton = AhoCorasick(
            [key for key, _ in chunk], matchkind=MatchKind.Standard, store_patterns=False
        )
        shards.append(_Shard(automaton, tuple(tuple(v.items()) for _, v in chunk)))
    return tuple(shards)


def _lowest_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def walks_of(plan: Sequence[tuple[int, str, bool]]) -> tuple[tuple[str, int], ...]:
    """Each distinct text of a plan, with the mask of the forms that produced it."""
    walks: dict[str, int] = {}
    for index, text, _ in plan:
        walks[text] = walks.get(text, 0) | (1 << index)
    return tuple(walks.items())


class TermAutomata:
    """The compiled terms: sharded automata of the keys of all forms, each key
    tagged with the forms it belongs to. Immutable once built."""

    def __init__(
        self,
        terms: Iterable[Term],
        *,
        word_boundaries: bool = True,
        shard_keys: int = 50_000,
        keys_of: Callable[[Term], FormKeys] | None = None,
    ) -> None:
        keys_of = keys_of or (lambda t: term_keys(t.text))
        union: dict[str, dict[Slot, int]] = {}
        count = 0
        for term in terms:
            pattern = parse_term(term.text)
            if not pattern.core:
                continue
            count += 1
            made: dict[str, Slot] = {}
            for i, keys in enumerate(keys_of(term)):
                for key in keys:
                    slot = made.get(key)
                    if slot is None:
                        slot = made[key] = Slot(
                            term,
                            word_boundaries and not pattern.inside_left and needs_boundary(key[0]),
                            word_boundaries
                            and not pattern.inside_right
                            and needs_boundary(key[-1]),
                        )
                    masks = union.setdefault(key, {})
                    masks[slot] = masks.get(slot, 0) | (1 << i)
        self._size = count
        self.key_count = len(union)
        """Distinct keys over all forms (what the automata hold)."""
        self._automata = _build(union, shard_keys) if union else ()

    def __len__(self) -> int:
        return self._size

    @property
    def automata(self) -> int:
        """How many automata (shards) a walk goes through."""
        return len(self._automata)

    def candidates(self, plan: Sequence[tuple[int, str, bool]]) -> list[Candidate]:
        """Keys found in the form texts of the plan (``(form index, form text,
        full)``; every distinct text is walked once) that sit on the boundaries
        they need, each attributed to the least transformed form that produced
        the text and holds the key."""
        return self.walk(walks_of(plan))

    def walk(self, walks: Sequence[tuple[str, int]]) -> list[Candidate]:
        """:meth:`candidates` for the distinct texts of a plan, each with the
        mask of the forms that produced it (:func:`walks_of`)."""
        if not self._size:
            return []
        found: list[Candidate] = []
        for text, produced in walks:
            for shard in self._automata:
                for index, start, end in shard.automaton.find_matches_as_indexes(
                    text, overlapping=True
                ):
                    for slot, mask in shard.payloads[index]:
                        common = mask & produced
                        if common and on_boundaries(text, start, end, slot):
                            found.append(Candidate(_lowest_bit(common), start, end, slot))
        return found
