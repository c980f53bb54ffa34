"""``PdqShortlist`` names exactly the entries a full pass over every entry names:
nearest first, ties by id, within the distance, at most the limit; and both
verifiers that use it (local features, thumbnails) see list changes at once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from fairgate.index.dense import DenseIndex
from fairgate.index.local import LocalFeatureIndex
from fairgate.index.shortlist import PdqShortlist
from fairgate.settings import Settings
from fairgate.signals.dense import Thumbnail
from fairgate.signals.local import Features


def _hex(bits: np.ndarray) -> str:
    return bytes(np.packbits(bits.astype(np.uint8))).hex()


def _brute(
    entries: dict[int, tuple[str, ...]], sent: Sequence[str], *, max_distance: int, limit: int
) -> list[int]:
    def distance(a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    scored = [
        (min(distance(pdq[0], s) for s in sent), entry_id)
        for entry_id, pdq in entries.items()
        if pdq
    ]
    return [entry_id for d, entry_id in sorted(scored) if d <= max_distance][:limit]


@pytest.mark.parametrize("seed", range(6))
def test_the_shortlist_names_what_a_full_pass_names(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2, 256)
    entries: dict[int, tuple[str, ...]] = {}
    for entry_id in range(1, 301):
        bits = base.copy()
        # Distances spread over 0..140 from the base; many exact ties (same count).
        flip = rng.choice(256, size=int(rng.integers(0, 140)), replace=False)
        bits[flip] ^= 1
        entries[entry_id] = () if entry_id % 37 == 0 else (_hex(bits), _hex(1 - bits))
    sent = [_hex(base)] + [_hex(rng.integers(0, 2, 256)) for _ in range(5)]
    nominees = PdqShortlist().current(entries.items())
    for max_distance, limit in ((96, 16), (40, 300), (0, 5), (256, 1), (120, 64)):
        expected = _brute(entries, sent, max_distance=max_distance, limit=limit)
        got = nominees.nearest(sent, max_distance=max_distance, limit=limit)
        assert got == expected, (max_distance, limit)
    assert nominees.nearest([], max_distance=96, limit=16) == []
    assert nominees.nearest(sent, max_distance=96, limit=0) == []


def test_an_entry_without_a_hash_is_never_named_and_an_empty_list_names_none() -> None:
    only_unhashed = PdqShortlist().current([(1, ())])
    assert only_unhashed.nearest(["00" * 32], max_distance=256, limit=16) == []
    assert PdqShortlist().current([]).nearest(["00" * 32], max_distance=256, limit=16) == []


def test_the_shortlist_is_rebuilt_only_after_invalidate() -> None:
    shortlist = PdqShortlist()
    first = shortlist.current([(1, ("00" * 32,))])
    assert shortlist.current([(2, ("00" * 32,))]) is first  # unchanged: not read again
    shortlist.invalidate()
    assert shortlist.current([(2, ("00" * 32,))]).nearest(["00" * 32], max_distance=0, limit=4) == [
        2
    ]


ZERO, ONES = "00" * 32, "ff" * 32


def _features(pdq: str) -> Features:
    return Features(np.zeros((4, 2), np.float32), np.zeros((4, 32), np.uint8), (pdq,))


def _thumbnail(pdq: str) -> Thumbnail:
    return Thumbnail(np.zeros((8, 8), np.uint8), (pdq,))


Kind = tuple[Callable[[Settings], LocalFeatureIndex | DenseIndex], Callable[[str], object]]
KINDS: dict[str, Kind] = {
    "local": (lambda s: LocalFeatureIndex(lambda v: _features(v), s), _features),
    "dense": (lambda s: DenseIndex(lambda v: _thumbnail(v), s), _thumbnail),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_verifiers_of_large_lists_see_additions_and_removals_at_once(kind: str) -> None:
    make, value = KINDS[kind]
    settings = Settings(
        visual_local_verify_all_max=2, visual_dense_verify_all_max=2, visual_max_verify=2
    )
    index = make(settings)
    near = "0f" + "00" * 31  # 4 bits from ZERO
    entries = {1: ONES, 2: ONES, 3: near}
    index.add([(entry_id, _value_of(kind, pdq)) for entry_id, pdq in entries.items()])
    query = value(ZERO)

    def named() -> list[int]:
        return [entry_id for entry_id, _ in index.candidates(query)]  # type: ignore[arg-type]

    assert named() == [3]
    index.add([(4, _value_of(kind, ZERO))])
    assert named() == [4, 3]
    index.disable([4])
    assert named() == [3]
    index.add([(3, _value_of(kind, ONES))])  # a new value for an entry replaces it
    assert named() == []


def _value_of(kind: str, pdq: str) -> str:
    """An entry value that decodes to an entry whose first PDQ hash is ``pdq``."""
    if kind == "local":
        from fairgate.signals.local import encode as encode_local

        return encode_local(_features(pdq))
    from fairgate.signals.dense import encode as encode_dense

    return encode_dense(_thumbnail(pdq))


def test_bench_shortlist_cli_reports_agreement(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fairgate", "bench", "shortlist", "--sizes", "200,2000",
         "--queries", "20", "--json"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [row["entries"] for row in data["rows"]] == [200, 2000]
    assert all(row["agree"] for row in data["rows"])
    assert all(row["shortlist_p50_ms"] > 0 and row["baseline_p50_ms"] > 0 for row in data["rows"])
