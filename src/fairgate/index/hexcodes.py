"""Hex strings <-> fixed-width binary codes, vectorised and strictly validated.

A code is one row of a ``uint8`` array. Rows are zero-padded on the right to a
multiple of 8 bytes so that the indexes can view them as ``uint64`` words;
padding bytes are zero in every stored code and every query, so they never
change a Hamming distance.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from fairgate.errors import InvalidSignalValue

Codes = npt.NDArray[np.uint8]
"""A 2-D ``uint8`` array, one code per row."""

_HEX = frozenset(string.hexdigits)
_SHOWN = 80


CHUNK = 100_000
"""Entries parsed at a time by the streaming bulk loads."""


def chunks(
    entries: Iterable[tuple[int, str]], size: int = CHUNK
) -> Iterator[list[tuple[int, str]]]:
    """``entries`` in lists of at most ``size`` pairs."""
    batch: list[tuple[int, str]] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def padded_width(nbytes: int) -> int:
    """Bytes per stored row for codes of ``nbytes`` bytes (next multiple of 8)."""
    return -(-nbytes // 8) * 8


def parse_hex(values: Sequence[str], nchars: int) -> Codes:
    """Decode hex strings of exactly ``nchars`` characters into padded code rows.

    Raises ``InvalidSignalValue`` naming the first bad value and why.
    The fast path joins everything and decodes once, which keeps 10M-value bulk
    loads at a few seconds; the slow path only runs to explain an error.
    """
    if nchars <= 0 or nchars % 2:
        raise ValueError(f"nchars must be a positive even number, got {nchars}")
    count = len(values)
    nbytes = nchars // 2
    width = padded_width(nbytes)
    if count == 0:
        return np.zeros((0, width), dtype=np.uint8)
    try:
        joined = "".join(values)
        lengths = set(map(len, values))
        raw = bytes.fromhex(joined) if lengths == {nchars} else b""
    except (TypeError, ValueError):
        raw = b""
    if len(raw) != count * nbytes:
        _raise_first_error(values, nchars)
        raise InvalidSignalValue("invalid hex value")  # pragma: no cover - defensive
    out = np.frombuffer(raw, dtype=np.uint8).reshape(count, nbytes)
    if width == nbytes:
        return out.copy()
    padded = np.zeros((count, width), dtype=np.uint8)
    padded[:, :nbytes] = out
    return padded


def check_hex(value: object, nchars: int, where: str = "value") -> str:
    """Return ``value`` lowercased if it is a hex string of ``nchars`` characters."""
    if not isinstance(value, str):
        raise InvalidSignalValue(f"{where}: expected a hex string, got {type(value).__name__}")
    shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "..."
    if len(value) != nchars:
        raise InvalidSignalValue(
            f"{where} {shown!r}: expected {nchars} hex characters, got {len(value)}"
        )
    for pos, char in enumerate(value):
        if char not in _HEX:
            raise InvalidSignalValue(
                f"{where} {shown!r}: non-hex character {char!r} at position {pos}"
            )
    return value.lower()


def _raise_first_error(values: Sequence[str], nchars: int) -> None:
    for i, value in enumerate(values):
        check_hex(value, nchars, where=f"value #{i}")
