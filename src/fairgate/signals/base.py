"""The signal-type protocol: one class per kind of value computed from a file.

Built-ins (``exact.Sha256``, ``exact.Md5``, ``pdq.Pdq``) implement exactly this
protocol, as a plug-in would (after python-threatexchange's SignalType).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from fairgate.types import Note, Signal

if TYPE_CHECKING:
    from fairgate.index.base import SignalIndex
    from fairgate.media.source import MediaSource


@runtime_checkable
class SignalType(Protocol):
    """A kind of signal: how to compute it, validate it, check it and index it."""

    name: str
    """Stable identifier stored with list entries, e.g. ``sha256`` or ``pdq``."""

    def validate(self, value: str) -> str:
        """Return the canonical form of ``value`` or raise ``InvalidSignalValue``."""
        ...

    def compute(self, attachment: int, media: MediaSource, *, reference: bool) -> list[Signal]:
        """Signals of one attachment. ``reference=True`` asks for the exact
        reference pipeline (full decode), used for list entries and ``hash``;
        ``False`` lets screening take a conformant faster path."""
        ...

    def check(self, signal: Signal) -> Note | None:
        """A note if this signal must not be matched (e.g. PDQ quality too low)."""
        ...

    def make_index(self) -> SignalIndex:
        """An empty index for values of this type."""
        ...
