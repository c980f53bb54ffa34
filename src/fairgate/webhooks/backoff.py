"""When a failed delivery is tried again: exponential backoff with a cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fairgate.settings import Settings


@dataclass(frozen=True, slots=True)
class Backoff:
    base_s: float
    max_s: float
    max_attempts: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Backoff:
        return cls(
            base_s=settings.webhook_backoff_base_s,
            max_s=settings.webhook_backoff_max_s,
            max_attempts=settings.webhook_max_attempts,
        )

    def delay(self, attempts: int) -> timedelta:
        """Wait after the ``attempts``-th failed attempt: base, 2x base, 4x base..."""
        exponent = min(max(attempts - 1, 0), 60)
        return timedelta(seconds=min(self.base_s * 2.0**exponent, self.max_s))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
