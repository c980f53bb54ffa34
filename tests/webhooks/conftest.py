"""Webhook fixtures: a real receiver, a clock the test moves, an engine with the
example policy and its lists, and dispatchers on the same database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import EXAMPLES
from tests.webhooks.receiver import Receiver

from fairgate.engine import Engine
from fairgate.policy import load_policy
from fairgate.settings import Settings
from fairgate.types import ListAction, ListType
from fairgate.webhooks import Dispatcher, Endpoints


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


SETTINGS = Settings(
    webhook_max_attempts=3,
    webhook_backoff_base_s=10.0,
    webhook_backoff_max_s=3600.0,
    webhook_timeout_s=5.0,
    webhook_lease_s=30.0,
    webhook_poll_interval_s=0.05,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.close()


@pytest.fixture
def engine(db_url: str, clock: Clock) -> Iterator[Engine]:
    with Engine.open(db_url, policy=load_policy(EXAMPLES / "policy.yaml"), clock=clock) as e:
        yield e


def make_lists(engine: Engine) -> None:
    engine.lists.create("spam-terms", ListType.TEXT, by="test")
    engine.lists.add_terms("spam-terms", ["cheap pills"], by="test")
    engine.lists.create("scam-terms", ListType.TEXT, action=ListAction.HOLD, by="test")
    engine.lists.add_terms("scam-terms", ["gift card payment"], by="test")


@pytest.fixture
def endpoints(engine: Engine, clock: Clock) -> Endpoints:
    return Endpoints(engine.store, clock)


DispatcherFactory = Callable[..., Dispatcher]


@pytest.fixture
def dispatchers(engine: Engine, clock: Clock) -> Iterator[DispatcherFactory]:
    made: list[Dispatcher] = []

    def make(holder: str = "d1", **settings: object) -> Dispatcher:
        merged = SETTINGS.model_copy(update=settings) if settings else SETTINGS
        dispatcher = Dispatcher(engine.store, merged, clock=clock, holder=holder)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()
