"""Helpers shared by the index tests: implementations under test, random codes,
planted neighbours, brute-force distances and the shared reference data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from fairgate.index.base import SignalIndex
from fairgate.index.exact import ExactIndex
from fairgate.index.hamming import HammingIndex

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
PDQ_LISTS = SHARED / "data" / "pdq-reference" / "hash-lists"

IndexFactory = Callable[[], SignalIndex]

# Every implementation of the SignalIndex protocol, configured so that the
# small data of the tests still exercises rebuilds, the MIH tables and (for
# auto) the switch from flat to MIH.
FACTORIES: dict[str, IndexFactory] = {
    "exact": ExactIndex,
    "hamming-flat": lambda: HammingIndex(kind="flat", delta_max=8),
    "hamming-mih": lambda: HammingIndex(kind="mih", delta_max=8),
    "hamming-auto": lambda: HammingIndex(kind="auto", flat_max=6, delta_max=8),
}


def random_codes(rng: np.random.Generator, n: int, nbytes: int = 32) -> np.ndarray:
    return rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)


def to_hex(codes: np.ndarray) -> list[str]:
    return [row.tobytes().hex() for row in codes]


def flip_bits(code: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``code`` with exactly ``k`` distinct bits flipped."""
    bits = np.unpackbits(code)
    bits[rng.choice(bits.size, size=k, replace=False)] ^= 1
    return np.packbits(bits)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Brute-force distances between every row of ``a`` and every row of ``b``."""
    return np.bitwise_count(a[:, None, :] ^ b[None, :, :]).sum(axis=2, dtype=np.int64)
