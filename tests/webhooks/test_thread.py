"""The dispatcher thread: deliveries happen in the background, and an endpoint
that hangs holds up only the dispatcher, never screening."""

from __future__ import annotations

import threading

from tests.webhooks.conftest import SETTINGS, make_lists
from tests.webhooks.receiver import Receiver

from fairgate.engine import Engine
from fairgate.types import Message
from fairgate.webhooks import Dispatcher, Endpoints


def test_a_hanging_endpoint_never_holds_up_screening(
    engine: Engine, endpoints: Endpoints, receiver: Receiver
) -> None:
    gate = threading.Event()
    receiver.hang["/slow"] = gate
    endpoints.register(receiver.url("/slow"), "decision.made")
    make_lists(engine)
    patient = SETTINGS.model_copy(update={"webhook_timeout_s": 120.0})
    dispatcher = Dispatcher(engine.store, patient, clock=engine.clock, holder="bg")
    dispatcher.start()
    try:
        engine.screen(Message(sender="u1", text="cheap pills"))
        assert receiver.wait_for(1)  # the dispatcher is now stuck inside that POST
        decisions = [engine.screen(Message(sender=f"s{n}", text="cheap pills")) for n in range(5)]
        assert [d.action.value for d in decisions] == ["block"] * 5
        assert not gate.is_set()
        assert len(receiver.requests) == 1
    finally:
        gate.set()
        dispatcher.stop()
        dispatcher.close()


def test_started_dispatcher_delivers_in_the_background_until_stopped(
    engine: Engine, endpoints: Endpoints, receiver: Receiver
) -> None:
    endpoints.register(receiver.url("/h"), "decision.made")
    make_lists(engine)
    dispatcher = Dispatcher(engine.store, SETTINGS, clock=engine.clock, holder="bg")
    dispatcher.start()
    try:
        engine.screen(Message(sender="u1", text="cheap pills"))
        assert receiver.wait_for(1)
        assert receiver.requests[0].document["data"]["account_id"] == "u1"
    finally:
        dispatcher.stop()
    # Stopped: the lease is released and new events wait for the next dispatcher.
    engine.screen(Message(sender="u2", text="cheap pills"))
    other = Dispatcher(engine.store, SETTINGS, clock=engine.clock, holder="next")
    try:
        result = other.run_once()
    finally:
        other.close()
        dispatcher.close()
    assert result.leased
    assert result.delivered == 1
    assert [r.document["data"]["account_id"] for r in receiver.requests] == ["u1", "u2"]
