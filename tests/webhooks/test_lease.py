"""Several dispatchers on one database: one works at a time; nothing is sent twice."""

from __future__ import annotations

import threading
from collections import Counter

from tests.webhooks.conftest import SETTINGS, Clock, DispatcherFactory, make_lists
from tests.webhooks.receiver import Receiver

from fairgate.engine import Engine
from fairgate.types import Message
from fairgate.webhooks import Dispatcher, Endpoints, delivery_store
from fairgate.webhooks.dispatcher import lag
from fairgate.webhooks.tx import read


def _sent_once(receiver: Receiver) -> Counter[str]:
    return Counter(r.headers["Fairgate-Delivery"] for r in receiver.requests)


def test_the_lease_lets_one_dispatcher_work_and_a_dead_holders_lease_expires(
    engine: Engine,
    endpoints: Endpoints,
    dispatchers: DispatcherFactory,
    receiver: Receiver,
    clock: Clock,
) -> None:
    endpoints.register(receiver.url("/h"), "decision.made,list.changed")
    make_lists(engine)
    first, second = dispatchers("d1"), dispatchers("d2")

    assert first.run_once().leased
    blocked = second.run_once()
    assert not blocked.leased
    assert blocked.delivered == 0
    sent = len(receiver.requests)
    assert sent == 4

    engine.screen(Message(sender="u1", text="cheap pills"))
    assert not second.run_once().leased  # d1's lease still runs
    assert first.run_once().delivered == 1

    # d1 dies without releasing: d2 waits for the lease to lapse, then takes over.
    engine.screen(Message(sender="u2", text="cheap pills"))
    clock.advance(seconds=29)
    assert not second.run_once().leased
    clock.advance(seconds=2)
    took_over = second.run_once()
    assert took_over.leased
    assert took_over.delivered == 1
    assert not first.run_once().leased  # the old holder is locked out now
    assert set(_sent_once(receiver).values()) == {1}
    assert lag(engine.store)["holder"] == "d2"
    assert lag(engine.store)["behind"] == 0


def test_stopping_releases_the_lease_at_once(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    endpoints.register(receiver.url("/h"), "list.changed")
    first, second = dispatchers("d1"), dispatchers("d2")
    assert first.run_once().leased
    first.stop()
    make_lists(engine)
    assert second.run_once().delivered == 4


def test_racing_dispatchers_with_lapsing_leases_never_send_an_event_twice(
    engine: Engine, endpoints: Endpoints, receiver: Receiver
) -> None:
    """Real clocks and a lease far shorter than a round: the dispatchers keep
    taking the cursor from each other mid-round. The compare-and-set on the
    cursor and on each attempt still lets every delivery go out exactly once."""
    endpoints.register(receiver.url("/a"), "decision.made,list.changed")
    endpoints.register(receiver.url("/b"), "decision.made")
    make_lists(engine)
    racing = SETTINGS.model_copy(update={"webhook_lease_s": 0.02, "webhook_batch": 2})
    workers = [Dispatcher(engine.store, racing, holder=f"r{i}") for i in range(3)]
    stop = threading.Event()

    def spin(dispatcher: Dispatcher) -> None:
        while not stop.is_set():
            dispatcher.run_once()

    threads = [threading.Thread(target=spin, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for n in range(12):
            engine.screen(Message(sender=f"u{n}", text="cheap pills"))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for worker in workers:
            worker.close()

    drain = Dispatcher(engine.store, SETTINGS, holder="drain")
    try:
        for _ in range(100):
            done = drain.run_once()
            if not (done.enqueued or done.delivered or done.retrying):
                break
    finally:
        drain.close()
    with read(engine.store.engine) as conn:
        rows = delivery_store.listing(conn, limit=1000)
    assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}
    counts = _sent_once(receiver)
    assert len(counts) == 4 + 12 * 2
    assert set(counts.values()) == {1}
    seqs = Counter((r.path, r.document["audit_seq"]) for r in receiver.requests)
    assert set(seqs.values()) == {1}
