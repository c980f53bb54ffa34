"""What the app's handlers share: the engine, the key ring, the feed, the
rate limiter and the metrics. One per worker process."""

from __future__ import annotations

from dataclasses import dataclass, field

from fairgate.engine import Engine
from fairgate.feed.base import ChangeFeed
from fairgate.service.keys import KeyRing
from fairgate.service.limits import Limiter
from fairgate.service.metrics import Metrics
from fairgate.service.policy_watch import PolicyWatch
from fairgate.settings import Settings


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine
    keys: KeyRing
    feed: ChangeFeed
    limiter: Limiter
    metrics: Metrics
    policy: PolicyWatch
    ready: bool = False
    notes: list[str] = field(default_factory=list)
