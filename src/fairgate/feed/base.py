"""The feed protocol and the loop every feed shares: apply, then wait."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("fairgate.feed")


@dataclass(frozen=True, slots=True)
class FeedStatus:
    kind: str
    """``polling`` or ``redis``."""
    connected: bool
    """For Redis: subscribed right now. Polling is always "connected"."""
    applied_seq: int
    """The newest change this worker's indexes have applied."""
    latest_seq: int
    """The newest change in the database when last checked."""
    last_check_age_s: float
    """Seconds since the database was last checked."""

    @property
    def lag(self) -> int:
        return max(0, self.latest_seq - self.applied_seq)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "connected": self.connected,
            "applied_seq": self.applied_seq,
            "latest_seq": self.latest_seq,
            "lag": self.lag,
            "last_check_age_s": round(self.last_check_age_s, 3),
        }


class ChangeFeed(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, seq: int) -> None:
        """Tell the other workers that changes up to ``seq`` are committed."""
        ...

    def status(self) -> FeedStatus: ...


class Applier:
    """Runs ``apply`` (which brings the indexes up to the database and returns the
    sequence number now applied) when woken, and at least every ``interval``."""

    def __init__(
        self,
        apply: Callable[[], int],
        latest: Callable[[], int],
        *,
        name: str,
    ) -> None:
        self._apply = apply
        self._latest = latest
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._name = name
        self.applied_seq = 0
        self.latest_seq = 0
        self.checked_at = time.monotonic()
        self.interval = 1.0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> None:
        try:
            self.latest_seq = self._latest()
            self.applied_seq = self._apply()
            self.checked_at = time.monotonic()
        except Exception:  # the database may be briefly down: keep serving, retry
            log.exception("applying list changes failed; retrying")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()
