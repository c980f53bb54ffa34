"""An engine with the example policy, a clock the test moves, and example lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import EXAMPLES

from fairgate.engine import Engine
from fairgate.policy import load_policy
from fairgate.types import ListAction, ListType, Message


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def due(db_url: str, clock: Clock) -> Iterator[Engine]:
    """The example policy's lists: spam terms (block, 1 point), scam terms (hold,
    3 points), known-abuse images (block, straight to permanent)."""
    with Engine.open(db_url, policy=load_policy(EXAMPLES / "policy.yaml"), clock=clock) as engine:
        engine.lists.create("spam-terms", ListType.TEXT, by="test")
        engine.lists.add_terms("spam-terms", ["cheap pills", "casino bonus"], by="test")
        engine.lists.create("scam-terms", ListType.TEXT, action=ListAction.HOLD, by="test")
        engine.lists.add_terms("scam-terms", ["gift card payment"], by="test")
        engine.lists.create("known-abuse", ListType.IMAGE, by="test")
        yield engine


def spam(sender: str = "u1") -> Message:
    return Message(sender=sender, text="CHEAP pills here")
