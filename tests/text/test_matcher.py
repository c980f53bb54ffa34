"""TextMatcher: allow-terms, regexes, the delta and the background rebuild."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from fairgate.errors import InvalidInput
from fairgate.text.matcher import MatcherConfig, TextEntry, TextHit, TextMatcher
from fairgate.text.regexes import RegexRules, Rule, validate_regex


def term(entry_id: int, value: str, list_id: int = 1, kind: str = "term") -> TextEntry:
    return TextEntry(entry_id, list_id, kind, value)


def found(matcher: TextMatcher, text: str) -> list[tuple[int, str]]:
    return sorted((h.entry_id, text[h.span[0] : h.span[1]]) for h in matcher.match(text))


def loaded(*entries: TextEntry, **config: int) -> TextMatcher:
    m = TextMatcher(MatcherConfig(**config))  # type: ignore[arg-type]
    m.load(entries)
    return m


# -- allow-terms -----------------------------------------------------------------
def test_allow_term_suppresses_deny_hits_inside_it_only() -> None:
    m = loaded(
        term(1, "pills"),
        term(2, "vitamin pills", kind="allow_term"),
        term(3, "casino"),
        term(4, "casino royale", kind="allow_term"),
    )
    assert found(m, "buy vitamin pills") == []
    assert found(m, "buy pills, vitamin pills") == [(1, "pills")]
    assert found(m, "Casino Royale is on tv") == []
    assert found(m, "c4sino royale") == []  # the allow-term is matched in the forms too
    assert found(m, "casino tonight") == [(3, "casino")]


def test_allow_term_of_another_list_does_not_suppress() -> None:
    m = loaded(term(1, "casino", list_id=1), term(2, "casino royale", list_id=2, kind="allow_term"))
    assert found(m, "casino royale") == [(1, "casino")]


def test_allow_hits_are_not_reported() -> None:
    m = loaded(term(1, "casino royale", kind="allow_term"))
    assert m.match("casino royale") == []


# -- regexes ---------------------------------------------------------------------
def test_regex_matches_over_forms_with_original_spans() -> None:
    m = loaded(term(1, r"fr[e3]{2}\s+money", kind="regex"))
    (hit,) = m.match("get ＦＲＥＥ money")
    assert hit == TextHit(1, 1, "regex", r"fr[e3]{2}\s+money", "nfkc_casefold", (4, 14))
    (hit,) = m.match("get f.r.e.e money")
    assert hit.form == "separator"
    assert "get f.r.e.e money"[hit.span[0] : hit.span[1]] == "f.r.e.e money"


def test_regex_hit_inside_allow_term_is_dropped() -> None:
    m = loaded(term(1, r"casino\w*", kind="regex"), term(2, "casino royale", kind="allow_term"))
    assert found(m, "casino royale") == []
    assert found(m, "casinos") == [(1, "casinos")]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("(", "invalid"),
        ("a{2000}", "invalid"),
        ("a*", "empty text"),
        ("x" * 600, "characters"),
        ("(?P<n>a)(?P=n)", "invalid"),  # backreferences: not RE2
    ],
)
def test_bad_regexes_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        validate_regex(pattern, max_mem=1 << 20, max_chars=500)


def test_regex_over_the_memory_cap_is_refused() -> None:
    pattern = r"\pL{1000}"
    validate_regex(pattern, max_mem=64 << 20, max_chars=500)
    with pytest.raises(InvalidInput, match="too large"):
        validate_regex(pattern, max_mem=1 << 16, max_chars=500)


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    rules = RegexRules([Rule(1, 1, r"(a+)+$")], max_mem=8 << 20)
    start = time.perf_counter()
    assert rules.search([(0, "a" * 50_000 + "!")]) == []
    # A hang guard, not a speed test: backtracking would not finish in years.
    assert time.perf_counter() - start < 20.0


# -- delta, disabling, background rebuild -------------------------------------------
SYLLABLES = ("ka", "ki", "ku", "ke", "ko", "na", "ni", "nu", "ne", "no")


def word(i: int) -> str:
    """A distinct word per number that no form folds into another's."""
    return "zor" + "".join(SYLLABLES[int(d)] for d in str(i))


def many(n: int, first_id: int = 1000) -> list[TextEntry]:
    return [term(first_id + i, word(i)) for i in range(n)]


def test_new_term_matches_after_apply_and_disabled_stops_at_once() -> None:
    m = loaded(*many(50), delta_rebuild_at=1000)
    assert found(m, f"{word(7)} here") == [(1007, word(7))]
    m.apply([term(1, "freshterm")])
    assert found(m, "a freshterm") == [(1, "freshterm")]
    assert not m.rebuilding  # one entry: delta only
    m.apply(disabled=[1007, 1])
    assert found(m, f"{word(7)} freshterm") == []
    assert m.pending == 1  # 1007 disabled in the snapshot; 1 left the delta


def test_rebuild_starts_past_the_threshold_and_folds_the_delta() -> None:
    m = loaded(*many(10), delta_rebuild_at=3)
    m.apply([term(1, "one"), term(2, "two")])
    assert not m.rebuilding
    assert m.pending == 2
    m.apply(disabled=[1000])
    assert m.wait(30)
    assert m.builds == 2
    assert m.pending == 0
    assert found(m, f"one two {word(0)} {word(1)}") == [
        (1, "one"),
        (2, "two"),
        (1001, word(1)),
    ]


def test_rebuild_on_a_timer_when_something_is_pending() -> None:
    m = TextMatcher(MatcherConfig(delta_rebuild_at=1000, rebuild_interval_s=0.05))
    m.load(many(5))
    assert m.maybe_rebuild() is False  # nothing pending
    time.sleep(0.06)
    m.apply([term(1, "late")])
    assert m.wait(30)
    assert m.builds == 2
    assert m.pending == 0


def test_background_build_equals_a_fresh_build() -> None:
    entries = [*many(300), term(1, "vitamin pills", kind="allow_term"), term(2, "pills")]
    entries.append(term(3, rf"{word(1)}k\w*", kind="regex"))
    m = loaded(*entries, delta_rebuild_at=50)
    added = [term(5000 + i, f"quuxify{i}") for i in range(60)]
    m.apply(added, disabled=[1001, 1002])
    assert m.wait(30)
    fresh = loaded(*[e for e in entries if e.entry_id not in (1001, 1002)], *added)
    texts = [
        f"{word(1)} {word(2)} {word(13)} quuxify59 pills vitamin pills",
        "q.u.u.x.i.f.y.7 and z0rkinuka",
        "nothing here",
    ]
    for text in texts:
        assert m.match(text) == fresh.match(text), text
    assert m.pending == 0


def test_changes_during_a_rebuild_survive_the_swap() -> None:
    m = loaded(*many(20_000), delta_rebuild_at=10**9, shard_keys=5_000)
    m.rebuild()
    m.apply([term(1, "duringbuild")], disabled=[1005])
    assert found(m, f"duringbuild {word(5)}") == [(1, "duringbuild")]  # before the swap
    assert m.wait(60)
    assert found(m, f"duringbuild {word(5)} {word(6)}") == [
        (1, "duringbuild"),
        (1006, word(6)),
    ]
    assert m.pending == 2  # both happened after the build took its copy


def _delays(m: TextMatcher, until: Callable[[], bool]) -> list[float]:
    """How late each screening call finishes: from when it was due (after a
    1 ms pause) to when ``match`` returned, so waiting for the GIL counts."""
    delays = []
    while until():
        due = time.perf_counter() + 0.001
        time.sleep(0.001)
        m.match(f"hello there {word(49_999)} how are you")
        delays.append(time.perf_counter() - due)
    return delays


def test_screening_is_not_blocked_by_a_large_rebuild() -> None:
    """Screening calls from another thread while 50k new terms are built in
    the background.

    ahocorasick-rs holds the GIL while it builds an automaton (~7 us a key),
    so a background build makes automata of at most ``shard_keys`` keys; the
    cyclic GC is paused during the build (its full collections held the GIL
    100+ ms). Measured on the shared 2-core machine: max ~55-95 ms, p50 ~5 ms
    (the GIL switch interval) during the build vs max ~1-4 ms idle. The bound
    asserted is generous because the machine is shared."""
    m = loaded(term(7, "seedterm"), delta_rebuild_at=10**9, shard_keys=5_000)
    m.apply(many(50_000))  # the delta: compiled here, in this thread
    assert m.pending == 50_000
    assert not m.rebuilding
    end = time.perf_counter() + 0.3
    idle = _delays(m, lambda: time.perf_counter() < end)
    delays: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=lambda: delays.extend(_delays(m, lambda: not stop.is_set())))
    m.apply([term(1, "brandnew")])  # (an apply recompiles the delta: not while measuring)
    m.rebuild()
    thread.start()
    assert m.rebuilding
    assert found(m, "brandnew") == [(1, "brandnew")]  # from the delta, during the build
    assert m.wait(120)
    stop.set()
    thread.join()
    assert len(delays) > 10
    assert max(delays) < 0.25, f"max delay {max(delays):.3f}s during rebuild, idle {max(idle):.3f}s"
    assert m.pending == 0
    assert m.automata > 10  # the 50k terms' keys went to automata of <= 5000 keys
    assert found(m, f"{word(49_999)} brandnew seedterm") == [
        (1, "brandnew"),
        (7, "seedterm"),
        (50_999, word(49_999)),
    ]


def test_load_builds_one_automaton_and_a_small_snapshot_is_rebuilt_whole() -> None:
    m = loaded(*many(2_000), shard_keys=100_000, delta_rebuild_at=10**9)
    assert m.automata == 1  # load: up to load_shard_keys keys per automaton
    m.apply([term(1, "newone")], disabled=[1003])
    assert m.automata == 2  # the snapshot and the delta
    assert m.rebuild()
    assert m.wait(30)
    assert m.automata == 1  # the delta fitted: merged into the snapshot's segment
    assert m.pending == 0
    assert found(m, f"newone {word(3)} {word(4)}") == [(1, "newone"), (1004, word(4))]


def test_a_large_snapshot_is_kept_and_its_disabled_entries_filtered() -> None:
    m = loaded(*many(2_000), shard_keys=500, delta_rebuild_at=10**9)
    assert m.automata == 1
    m.apply([term(1, "newone")], disabled=[1003])
    assert m.rebuild()
    assert m.wait(30)
    assert m.automata == 2  # the snapshot (too large to rebuild) plus the new segment
    assert m.pending == 0  # the disabled id is filtered, not pending
    assert found(m, f"newone {word(3)} {word(4)}") == [(1, "newone"), (1004, word(4))]
    m.apply(disabled=[1])  # disabling an entry of the new, small segment
    assert m.pending == 1
    assert m.rebuild()
    assert m.wait(30)
    assert m.automata == 1  # that segment was rebuilt without it (empty: dropped)
    assert m.pending == 0
    assert found(m, f"newone {word(3)} {word(4)}") == [(1004, word(4))]


@pytest.mark.parametrize(
    ("term", "text", "fires"),
    [
        ("pills", "cheap piiills", True),
        ("pills", "cheap piils", True),
        ("cheap pills", "c h e e a p  p i l l s", True),
        ("cheap", "so cheeap", True),
        # collapsing doubles in terms must not let a shorter word fire a term
        ("ass", "as good as it gets", False),
        ("teen", "ten minutes", False),
        ("loose", "you lose", False),
        ("x555", "code x5 and x55", False),
        ("the fee", "7h3 f33", True),
    ],
)
def test_doubled_letters_collapse_without_shortening_terms(
    term: str, text: str, fires: bool
) -> None:
    m = TextMatcher()
    m.load([TextEntry(1, 1, "term", term)])
    assert bool(m.match(text)) is fires


def test_plan_walks_a_form_text_equal_to_an_earlier_one_with_that_one() -> None:
    from fairgate.text.matcher import _plan
    from fairgate.text.normalize import fast_texts

    text = "c h e e a p"
    plan = _plan(text)
    assert [t for _, t, _ in plan] == list(fast_texts(text))
    firsts = [t for _, t, full in plan if full]
    assert len(firsts) == len(set(firsts)) == len(set(fast_texts(text)))
