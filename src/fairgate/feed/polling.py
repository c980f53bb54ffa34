"""The embedded default: poll the database's newest change ``seq``."""

from __future__ import annotations

import time
from collections.abc import Callable

from fairgate.feed.base import Applier, FeedStatus


class PollingFeed:
    def __init__(
        self, apply: Callable[[], int], latest: Callable[[], int], *, interval_s: float
    ) -> None:
        self._applier = Applier(apply, latest, name="fairgate-feed-poll")
        self._applier.interval = interval_s

    def start(self) -> None:
        self._applier.start()

    def stop(self) -> None:
        self._applier.stop()

    def publish(self, seq: int) -> None:
        """One machine: the worker that changed a list applies it itself, and the
        others see it at their next poll."""
        self._applier.wake()

    def status(self) -> FeedStatus:
        a = self._applier
        return FeedStatus(
            "polling", True, a.applied_seq, a.latest_seq, time.monotonic() - a.checked_at
        )
