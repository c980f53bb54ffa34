"""Exact file hashes: sha256 and md5 of the bytes as sent (no decoding)."""

from __future__ import annotations

import hashlib
import importlib
import string
from typing import TYPE_CHECKING

from fairgate.errors import InvalidSignalValue
from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import MediaSource

_HEX = frozenset(string.hexdigits.lower())


def canonical_hex(value: str, *, length: int, what: str) -> str:
    """``value`` lower-cased and stripped, if it is exactly ``length`` hex digits.

    Raises :class:`InvalidSignalValue` naming what is wrong otherwise.
    """
    if not isinstance(value, str):
        raise InvalidSignalValue(f"{what} must be a string, got {type(value).__name__}")
    text = value.strip().lower()
    if not text:
        raise InvalidSignalValue(f"{what} is empty; expected {length} hex characters")
    for position, char in enumerate(text):
        if char not in _HEX:
            raise InvalidSignalValue(
                f"{what} has a non-hex character {char!r} at position {position}; "
                f"expected {length} characters 0-9a-f"
            )
    if len(text) != length:
        raise InvalidSignalValue(f"{what} must be {length} hex characters, got {len(text)}")
    return text


def new_index(module: str, cls: str, **kwargs: object) -> SignalIndex:
    """An index class imported only when first needed (indexes pull in FAISS)."""
    factory = getattr(importlib.import_module(module), cls)
    index: SignalIndex = factory(**kwargs)
    return index


class _Digest:
    """A hashlib digest of the raw bytes, matched exactly."""

    name: str
    hex_length: int

    def validate(self, value: str) -> str:
        return canonical_hex(value, length=self.hex_length, what=f"{self.name} hash")

    def digest(self, data: bytes) -> str:
        return hashlib.new(self.name, data, usedforsecurity=False).hexdigest()

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        return [Signal(self.name, self.digest(media.data), attachment)]

    def check(self, signal: Signal) -> Note | None:
        return None

    def make_index(self) -> SignalIndex:
        return new_index("fairgate.index.exact", "ExactIndex")


class Sha256(_Digest):
    name = "sha256"
    hex_length = 64


class Md5(_Digest):
    """md5 is broken for security, but hash lists (NCMEC, ThreatExchange) still use it."""

    name = "md5"
    hex_length = 32
