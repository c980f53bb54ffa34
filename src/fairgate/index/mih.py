"""Multi-index hashing (Norouzi et al.) over numpy arrays: exact radius search.

The code's bits are split into ``m`` disjoint substrings ("tables"). If two codes
are within Hamming distance ``R``, the distances of their substrings add up to at
most ``R``, so (pigeonhole) at least one substring is within ``R // m``. A query
therefore probes, in every table, each bucket whose key is within ``R // m`` of
its own substring, and verifies every entry found there on the full code. No
match within ``R`` can be missed; nothing beyond ``R`` is returned.

Layout, per table ``t`` of width ``w``: the row numbers sorted by substring key
(``int32``, ``n`` of them) and a direct-address offset array of ``2**w + 1``
positions (bucket ``k`` is ``rows[offs[k]:offs[k + 1]]``). All tables live in two
flat arrays so that one query is a handful of vectorised numpy calls.
Verification gathers the candidate codes and counts differing bits with
``np.bitwise_count``.

Why hand-written rather than FAISS's ``IndexBinaryMultiHash``: FAISS keeps one
``std::unordered_map<int64, std::vector<int64>>`` per table, i.e. 8-byte ids plus
node and vector overheads for every entry in every table, and its probing and
deduplication are slow with many candidates. Measured with
``fairgate.bench.index`` (AMD EPYC VM, 2 cores, 1 thread, uniform random
256-bit codes, radius 31, single queries, stored hashes with 0..31 bits flipped;
recall 1.0 everywhere; "memory" is the index's arrays, RSS delta for FAISS MIH):

==========================  ====  =======  =================  ========
index                       n     build    p50 / p99 ms       memory
==========================  ====  =======  =================  ========
FAISS IndexBinaryFlat       100k  0.00 s   0.125 / 0.195      3 MB
FAISS MIH 16x16b nflip=1    100k  0.96 s   0.178 / 0.286      78 MB
this MIH (19 tables)        100k  0.05 s   0.097 / 0.178      13 MB
FAISS IndexBinaryFlat       1M    0.00 s   1.36 / 2.26        32 MB
FAISS MIH 16x16b nflip=1    1M    4.7 s    1.83 / 3.62        267 MB
FAISS MIH 12x21b nflip=2    1M    14.3 s   1.00 / 1.17        940 MB
this MIH (16x16b r1)        1M    0.39 s   0.195 / 0.382      108 MB
FAISS IndexBinaryFlat       10M   0.20 s   14.9 / 28.6        320 MB
FAISS MIH 16x16b nflip=1    10M   41 s     41.3 / 60.7        2.7 GB
this MIH (12 tables)        10M   14 s     0.60 / 0.84        953 MB
==========================  ====  =======  =================  ========

The 953 MB at 10M are everything the ``HammingIndex`` holds: codes 322 MB,
rows 480 MB (``int32``, 12 tables), offsets 101 MB, entry ids 40 MB, active
mask 10 MB. Per query: ~1,950 bucket probes and ~9,300 candidates. Gathers use
``np.take`` (4-5x faster than fancy indexing for random rows on this machine).

The plan (``plan``) picks the table count, widths and per-table radii from the
entry count with a cost model (``PROBE_WEIGHT * probes + candidates``), tables
at most ``log2(n / 4)`` bits wide so that offsets stay within a quarter of the
rows. Radii need not be equal: any radii with ``sum(r + 1) > R`` are exact,
which lets 12 tables probe 8 tables at radius 2 and 4 at radius 1 for R = 31.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from math import comb, floor, log2

import numpy as np
import numpy.typing as npt

Words = npt.NDArray[np.uint64]
"""A 2-D ``uint64`` view of padded codes: one code per row."""

IntArray = npt.NDArray[np.int64]

_MAX_WIDTH = 32
_MIN_WIDTH_CAP = 12
_MAX_TABLES = 64
_MAX_PROBES = 200_000
PROBE_WEIGHT = 2.5
"""Cost of probing one bucket relative to verifying one candidate (measured: a
probe is two random reads of the offsets plus one of the rows, ~50-90 ns; a
candidate is one random 32-byte gather plus a popcount, ~30 ns)."""
SCALAR_PROBES_MAX = 16
"""Probes per query up to which a single query is first checked with Python ints."""


@dataclass(frozen=True, slots=True)
class MihPlan:
    """Which bits each table indexes and how far each table is probed.

    Exact for ``max_distance`` when ``sum(r + 1 for r in radii) > max_distance``:
    if every table's substring differed by more than its radius, the codes would
    differ by at least that sum.
    """

    starts: tuple[int, ...]
    """First bit of each table (bits are numbered through the ``uint64`` words)."""
    widths: tuple[int, ...]
    radii: tuple[int, ...]
    """Table ``t`` is probed at substring distances ``0..radii[t]``."""

    @property
    def tables(self) -> int:
        return len(self.widths)

    @property
    def probes(self) -> int:
        """Buckets probed per query."""
        return sum(_ball(w, r) for w, r in zip(self.widths, self.radii, strict=True))

    def exact_up_to(self) -> int:
        """The largest distance this plan is guaranteed to find."""
        return sum(r + 1 for r in self.radii) - 1

    def expected_candidates(self, n: int) -> float:
        """Expected entries gathered per query for ``n`` uniform random codes."""
        pairs = zip(self.widths, self.radii, strict=True)
        return float(sum(_ball(w, r) * n / 2**w for w, r in pairs))

    def offsets_entries(self) -> int:
        return sum(2**w + 1 for w in self.widths)

    def cost(self, n: int) -> float:
        return PROBE_WEIGHT * self.probes + self.expected_candidates(n)


def _ball(width: int, radius: int) -> int:
    return sum(comb(width, k) for k in range(min(width, radius) + 1))


def _layout(bits: int, max_distance: int, tables: int, width_cap: int, n: int) -> MihPlan | None:
    """The cheapest plan with ``tables`` tables, or None if there is none.

    Radii: ``need = max_distance + 1`` is split as evenly as possible, so
    ``need % tables`` tables probe one bit further than the others; widths are
    chosen per radius group (wider tables for the larger radius).
    """
    need = max_distance + 1
    if tables > need or tables > bits:
        return None
    base, extra = divmod(need, tables)
    n_hi, n_lo = extra, tables - extra
    r_hi, r_lo = base, base - 1
    best: MihPlan | None = None
    hi_range = range(1, width_cap + 1) if n_hi else range(0, 1)
    for w_hi in hi_range:
        rest = bits - n_hi * w_hi
        if rest < n_lo:
            break
        w_lo = min(width_cap, rest // n_lo) if n_lo else 0
        widths = [w_hi] * n_hi + [w_lo] * n_lo
        spare = bits - sum(widths)
        for t in range(tables):
            if spare == 0:
                break
            if widths[t] < width_cap:
                widths[t] += 1
                spare -= 1
        radii = [r_hi] * n_hi + [r_lo] * n_lo
        starts = [0]
        for w in widths[:-1]:
            starts.append(starts[-1] + w)
        candidate = MihPlan(starts=tuple(starts), widths=tuple(widths), radii=tuple(radii))
        if best is None or candidate.cost(n) < best.cost(n):
            best = candidate
    return best


def plan(bits: int, max_distance: int, n: int, tables: int | None = None) -> MihPlan:
    """Choose the tables for ``n`` entries of ``bits``-bit codes, exact up to ``max_distance``.

    Tables are at most ``log2(n / 4)`` bits wide, which keeps each table's
    offset array (``4 * 2**w`` bytes) within a quarter of its row array
    (``4 * n`` bytes). Among table counts, the lowest expected cost per query
    (``PROBE_WEIGHT * probes + candidates``) wins; ``tables`` forces the count.
    """
    if not 0 <= max_distance < bits:
        raise ValueError(f"max_distance must be in 0..{bits - 1}, got {max_distance}")
    width_cap = min(_MAX_WIDTH, max(_MIN_WIDTH_CAP, floor(log2(max(n, 4) / 4))))
    counts = [tables] if tables is not None else range(1, _MAX_TABLES + 1)
    best: MihPlan | None = None
    for m in counts:
        candidate = _layout(bits, max_distance, m, width_cap, n)
        if candidate is None:
            continue
        if best is None:
            best = candidate
            continue
        over = candidate.probes > _MAX_PROBES
        if not over and (best.probes > _MAX_PROBES or candidate.cost(n) < best.cost(n)):
            best = candidate
    if best is None:
        raise ValueError(f"no multi-index hashing plan with {tables} tables")
    return best


@cache
def _flip_masks(width: int, radius: int) -> npt.NDArray[np.uint64]:
    """All ``width``-bit masks with at most ``radius`` bits set (0 first)."""
    masks = [0]
    for k in range(1, min(width, radius) + 1):
        for combo in itertools.combinations(range(width), k):
            masks.append(sum(1 << b for b in combo))
    return np.array(masks, dtype=np.uint64)


def substring_keys(words: Words, start: int, width: int) -> npt.NDArray[np.uint64]:
    """The ``width``-bit substring at bit ``start`` of every row, as ``uint64``."""
    word, shift = divmod(start, 64)
    low = words[:, word] >> np.uint64(shift)
    taken = 64 - shift
    if width > taken:
        high = words[:, word + 1] & np.uint64((1 << (width - taken)) - 1)
        low = low | (high << np.uint64(taken))
    if width < 64:
        low = low & np.uint64((1 << width) - 1)
    return low


class MihTables:
    """Immutable multi-index hash tables over rows ``0..n-1`` of a code array."""

    def __init__(self, plan: MihPlan, words: Words) -> None:
        n = int(words.shape[0])
        if n >= 2**31:
            raise ValueError("multi-index hashing supports fewer than 2**31 rows")
        self.plan = plan
        self.n = n
        m = plan.tables
        pos_dtype = np.uint32 if m * n < 2**32 - 1 else np.int64
        self._rows = np.empty(m * n, dtype=np.int32)
        self._offs = np.empty(plan.offsets_entries(), dtype=pos_dtype)
        bases: list[int] = []
        base = 0
        for t, (start, width) in enumerate(zip(plan.starts, plan.widths, strict=True)):
            keys = substring_keys(words, start, width)
            self._rows[t * n : (t + 1) * n] = _radix_argsort(keys, width)
            counts = np.bincount(keys.astype(np.intp), minlength=2**width)
            self._offs[base] = t * n
            self._offs[base + 1 : base + 2**width + 1] = np.cumsum(counts) + t * n
            del keys, counts
            bases.append(base)
            base += 2**width + 1
        key_parts = [
            _key_params(start, width) for start, width in zip(plan.starts, plan.widths, strict=True)
        ]
        self._key_low_word = np.array([p[0] for p in key_parts], dtype=np.intp)
        self._key_shift = np.array([p[1] for p in key_parts], dtype=np.uint64)
        self._key_high_word = np.array([p[2] for p in key_parts], dtype=np.intp)
        self._key_high_mask = np.array([p[3] for p in key_parts], dtype=np.uint64)
        self._key_high_shift = np.array([p[4] for p in key_parts], dtype=np.uint64)
        self._key_mask = np.array([p[5] for p in key_parts], dtype=np.uint64)
        probe_table: list[npt.NDArray[np.int64]] = []
        probe_mask: list[npt.NDArray[np.uint64]] = []
        probe_base: list[npt.NDArray[np.int64]] = []
        for t, (width, radius) in enumerate(zip(plan.widths, plan.radii, strict=True)):
            masks = _flip_masks(width, radius)
            probe_table.append(np.full(masks.size, t, dtype=np.int64))
            probe_mask.append(masks)
            probe_base.append(np.full(masks.size, bases[t], dtype=np.int64))
        self._probe_table = np.concatenate(probe_table)
        self._probe_mask = np.concatenate(probe_mask)
        self._probe_base = np.concatenate(probe_base)
        self._scalar_probes: list[tuple[int, int, int, int, int, int, int, int]] = []
        """With few probes (exact digests: one), a single query's buckets are
        looked up with Python ints: ~1 us, where the array path costs ~30 us of
        numpy calls on one-element arrays."""
        if self._probe_table.size <= SCALAR_PROBES_MAX:
            for t, mask, base in zip(
                self._probe_table.tolist(),
                self._probe_mask.tolist(),
                self._probe_base.tolist(),
                strict=True,
            ):
                low_word, shift, high_word, high_mask, high_shift, key_mask = key_parts[t]
                self._scalar_probes.append(
                    (low_word, shift, high_word, high_mask, high_shift, key_mask, mask, base)
                )

    @property
    def nbytes(self) -> int:
        return int(
            self._rows.nbytes
            + self._offs.nbytes
            + self._probe_table.nbytes
            + self._probe_mask.nbytes
            + self._probe_base.nbytes
        )

    def search(
        self, queries: Words, words: Words, max_distance: int
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Rows within ``max_distance`` of each query, as (query, row, distance) arrays.

        ``words`` must be the array the tables were built from (its first ``n``
        rows). A row may be reported more than once for the same query (found
        through several tables); the caller deduplicates.
        """
        nq = int(queries.shape[0])
        if nq == 0 or self.n == 0:
            return _empty3()
        if nq == 1 and self._scalar_probes and not self._any_bucket(queries[0].tolist()):
            return _empty3()
        low = queries[:, self._key_low_word] >> self._key_shift
        high = (queries[:, self._key_high_word] & self._key_high_mask) << self._key_high_shift
        keys = (low | high) & self._key_mask
        probe_keys = keys[:, self._probe_table] ^ self._probe_mask
        slots = (probe_keys.astype(np.int64) + self._probe_base).ravel()
        # np.take is several times faster than fancy indexing for random gathers.
        begins = np.take(self._offs, slots).astype(np.int64)
        lengths = np.take(self._offs, slots + 1).astype(np.int64) - begins
        total = int(lengths.sum())
        if total == 0:
            return _empty3()
        ends = np.cumsum(lengths)
        positions = np.arange(total, dtype=np.int64) + np.repeat(begins - (ends - lengths), lengths)
        cand = np.take(self._rows, positions).astype(np.int64)
        probes_per_query = self._probe_table.size
        per_query = np.add.reduceat(lengths, np.arange(0, nq * probes_per_query, probes_per_query))
        qidx = np.repeat(np.arange(nq, dtype=np.int64), per_query)
        gathered = np.take(words, cand, axis=0)
        if nq == 1:
            # Column by column against scalars: broadcasting a (1, w) row over
            # (k, w) runs numpy's inner loop w elements at a time, 4x slower.
            dist = np.zeros(cand.size, dtype=np.int64)
            for col, value in enumerate(queries[0].tolist()):
                dist += np.bitwise_count(gathered[:, col] ^ np.uint64(value))
        else:
            diff = np.bitwise_count(gathered ^ np.take(queries, qidx, axis=0))
            dist = diff[:, 0].astype(np.int64)
            for col in range(1, diff.shape[1]):
                dist += diff[:, col]
        keep = dist <= max_distance
        return qidx[keep], cand[keep], dist[keep]

    def _any_bucket(self, query: list[int]) -> bool:
        """Whether any probed bucket of one query (its words as ints) holds a row."""
        offs = self._offs
        for (
            low_word,
            shift,
            high_word,
            high_mask,
            high_shift,
            key_mask,
            mask,
            base,
        ) in self._scalar_probes:
            key = ((query[low_word] >> shift) | ((query[high_word] & high_mask) << high_shift)) & (
                key_mask
            )
            slot = (key ^ mask) + base
            if offs[slot + 1] != offs[slot]:
                return True
        return False


def _key_params(start: int, width: int) -> tuple[int, int, int, int, int, int]:
    """(low word, shift, high word, high mask, high shift, key mask) of one substring."""
    word, shift = divmod(start, 64)
    taken = 64 - shift
    if width > taken:
        return word, shift, word + 1, (1 << (width - taken)) - 1, taken, (1 << width) - 1
    return word, shift, word, 0, 0, (1 << width) - 1


def _radix_argsort(keys: npt.NDArray[np.uint64], width: int) -> npt.NDArray[np.intp]:
    """``argsort`` of keys below ``2**width`` by LSD radix passes of 16 bits.

    NumPy's stable sort is a radix sort for 16-bit types: two such passes sort
    10M 22-bit keys about three times faster than ``np.argsort`` on ``uint32``.
    """
    order: npt.NDArray[np.intp] | None = None
    for shift in range(0, max(width, 1), 16):
        digit = ((keys >> np.uint64(shift)) & np.uint64(0xFFFF)).astype(np.uint16)
        if order is None:
            order = np.argsort(digit, kind="stable")
        else:
            order = order[np.argsort(digit[order], kind="stable")]
        del digit
    if order is None:  # pragma: no cover - the loop runs at least once
        raise ValueError("no keys")
    return order


def _empty3() -> tuple[IntArray, IntArray, IntArray]:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty.copy(), empty.copy()
