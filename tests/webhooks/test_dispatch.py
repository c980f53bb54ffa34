"""The dispatcher over real engine activity, delivering to a real HTTP receiver."""

from __future__ import annotations

from collections import Counter

from tests.webhooks.conftest import Clock, DispatcherFactory, make_lists
from tests.webhooks.receiver import Receiver

from fairgate.engine import Engine
from fairgate.types import Message
from fairgate.webhooks import EVENT_TYPES, Endpoints, delivery_store, verify_signature
from fairgate.webhooks.tx import read

ALL = ",".join(EVENT_TYPES)


def _scenario(engine: Engine) -> str:
    """Lists, three blocks (the third restricts the sender), and an overturned
    appeal that lifts it: every webhook event type at least once. Returns the
    third block's id."""
    make_lists(engine)
    for text in ("cheap pills here", "more cheap pills", "cheap pills again"):
        held = engine.screen(Message(sender="u1", text=text))
    assert held.account.restriction == "restricted_24h"
    appeal = engine.appeals.file(held.decision_id, "It was a joke.", account_id="u1")
    engine.appeals.decide(appeal.id, "overturn", reason="A joke.", by="rev")
    return held.decision_id


def _deliveries(engine: Engine, status: str | None = None) -> list[delivery_store.Delivery]:
    with read(engine.store.engine) as conn:
        return delivery_store.listing(conn, status=status, limit=10_000)


def test_real_activity_arrives_signed_in_audit_order(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    endpoint = endpoints.register(receiver.url("/hook"), ALL)
    held_id = _scenario(engine)
    result = dispatchers().run_once()

    assert result.leased
    assert result.failed == 0
    got = receiver.at("/hook")
    assert len(got) == result.delivered == result.enqueued > 0
    documents = [r.document for r in got]
    assert {d["type"] for d in documents} == set(EVENT_TYPES)
    seqs = [d["audit_seq"] for d in documents]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    for request, document in zip(got, documents, strict=True):
        assert set(document) >= {"id", "type", "created_at", "data", "audit_seq"}
        assert request.headers["Fairgate-Event"] == document["type"]
        assert request.headers["Fairgate-Delivery"] == str(document["id"])
        assert request.headers["Content-Type"] == "application/json"
        header = request.headers["Fairgate-Signature"]
        now = engine.clock().timestamp()
        assert verify_signature(endpoint.secret, header, request.body, 300, now=now)
        tampered = request.body.replace(b'"audit_seq":', b'"audit_seq":1')
        assert not verify_signature(endpoint.secret, header, tampered, 300, now=now)
        assert not verify_signature("whsec_other", header, request.body, 300, now=now)

    by_type = {d["type"]: d for d in documents}
    assert by_type["restriction.started"]["data"]["level"] == "restricted_24h"
    assert by_type["restriction.lifted"]["data"]["level"] == "restricted_24h"
    assert by_type["restriction.started"]["data"]["account_id"] == "u1"
    assert by_type["restriction.lifted"]["data"]["account_id"] == "u1"
    assert by_type["restriction.started"]["data"]["cause_decision_id"] == held_id
    appeal = by_type["appeal.decided"]["data"]
    assert (appeal["status"], appeal["decision_id"]) == ("overturned", held_id)
    decisions = [d["data"] for d in documents if d["type"] == "decision.made"]
    assert [d["action"] for d in decisions] == ["block", "block", "block"]
    assert all(d["account_id"] == "u1" for d in decisions)
    assert {d["audit_kind"] for d in documents if d["type"] == "list.changed"} == {
        "list.create",
        "list.add",
    }

    rows = _deliveries(engine)
    assert {(r.status, r.attempts, r.last_status_code) for r in rows} == {("delivered", 1, 200)}
    # Nothing new happened: the next round sends nothing.
    again = dispatchers().run_once()
    assert (again.enqueued, again.delivered) == (0, 0)
    assert len(receiver.requests) == len(got)


def test_only_subscribed_types_are_sent(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    endpoints.register(receiver.url("/decisions"), "decision.made")
    endpoints.register(receiver.url("/accounts"), "restriction.started, restriction.lifted")
    endpoints.register(receiver.url("/lists"), ["list.changed"])
    _scenario(engine)
    dispatchers().run_once()

    def types(path: str) -> Counter[str]:
        return Counter(r.document["type"] for r in receiver.at(path))

    assert types("/decisions") == Counter({"decision.made": 3})
    assert types("/accounts") == Counter({"restriction.started": 1, "restriction.lifted": 1})
    assert set(types("/lists")) == {"list.changed"}
    assert types("/lists")["list.changed"] == 4  # two lists created, each filled once


def test_an_endpoint_hears_only_what_happens_after_it_is_registered(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    make_lists(engine)
    engine.screen(Message(sender="u1", text="cheap pills"))
    dispatcher = dispatchers()
    assert dispatcher.run_once().enqueued == 0  # nobody listening yet
    endpoints.register(receiver.url("/late"), "decision.made")
    engine.screen(Message(sender="u2", text="cheap pills again"))
    dispatcher.run_once()
    assert [r.document["data"]["account_id"] for r in receiver.at("/late")] == ["u2"]


def test_a_failing_endpoint_is_retried_with_backoff_then_failed_while_others_get_theirs(
    engine: Engine,
    endpoints: Endpoints,
    dispatchers: DispatcherFactory,
    receiver: Receiver,
    clock: Clock,
) -> None:
    receiver.status["/broken"] = 500
    endpoints.register(receiver.url("/broken"), "decision.made")
    endpoints.register(receiver.url("/ok"), "decision.made")
    make_lists(engine)
    engine.screen(Message(sender="u1", text="cheap pills"))
    dispatcher = dispatchers()  # 3 attempts, 10 s base

    first = dispatcher.run_once()
    assert (first.delivered, first.retrying, first.failed) == (1, 1, 0)
    assert len(receiver.at("/broken")) == 1
    (pending,) = _deliveries(engine, "pending")
    assert (pending.attempts, pending.last_status_code, pending.last_error) == (1, 500, "HTTP 500")
    assert pending.next_attempt_at == clock.now.replace(second=10)

    clock.advance(seconds=9)
    dispatcher.run_once()
    assert len(receiver.at("/broken")) == 1  # not due yet
    engine.screen(Message(sender="u2", text="cheap pills"))  # others keep getting theirs
    dispatcher.run_once()
    assert [r.document["data"]["account_id"] for r in receiver.at("/ok")] == ["u1", "u2"]

    def tries() -> Counter[str]:
        return Counter(r.headers["Fairgate-Delivery"] for r in receiver.at("/broken"))

    u1_id = str(pending.id)
    assert tries()[u1_id] == 1
    clock.advance(seconds=1)
    second = dispatcher.run_once()
    assert (second.retrying, second.failed) == (1, 0)
    assert tries()[u1_id] == 2
    u1 = next(d for d in _deliveries(engine) if d.id == pending.id)
    assert (u1.status, u1.attempts) == ("pending", 2)
    assert u1.next_attempt_at == clock.now.replace(second=30)  # waited 10 s, now 20 s

    clock.advance(seconds=19)
    dispatcher.run_once()
    assert next(d for d in _deliveries(engine) if d.id == pending.id).attempts == 2
    clock.advance(seconds=1)
    dispatcher.run_once()
    u1 = next(d for d in _deliveries(engine) if d.id == pending.id)
    assert (u1.status, u1.attempts, u1.next_attempt_at) == ("failed", 3, None)
    assert (u1.last_status_code, u1.last_error) == (500, "HTTP 500")

    clock.advance(days=1)
    for _ in range(3):
        dispatcher.run_once()
        clock.advance(days=1)
    broken = receiver.at("/broken")
    attempts_by_delivery = Counter(r.headers["Fairgate-Delivery"] for r in broken)
    assert set(attempts_by_delivery.values()) == {3}  # max attempts, never more
    assert {d.status for d in _deliveries(engine) if d.endpoint_id == pending.endpoint_id} == {
        "failed"
    }
    assert {d.status for d in _deliveries(engine) if d.endpoint_id != pending.endpoint_id} == {
        "delivered"
    }


def test_a_broken_endpoint_costs_one_attempt_per_round_not_one_per_delivery(
    engine: Engine, endpoints: Endpoints, dispatchers: DispatcherFactory, receiver: Receiver
) -> None:
    receiver.status["/broken"] = 503
    endpoints.register(receiver.url("/broken"), "decision.made")
    make_lists(engine)
    for sender in ("u1", "u2", "u3"):
        engine.screen(Message(sender=sender, text="cheap pills"))
    result = dispatchers().run_once()
    assert (result.retrying, result.skipped) == (1, 2)
    assert len(receiver.at("/broken")) == 1
    assert sorted(d.attempts for d in _deliveries(engine)) == [0, 0, 1]


def test_a_removed_endpoint_gets_nothing_more_and_its_pending_deliveries_fail(
    engine: Engine,
    endpoints: Endpoints,
    dispatchers: DispatcherFactory,
    receiver: Receiver,
    clock: Clock,
) -> None:
    receiver.status["/broken"] = 500
    endpoint = endpoints.register(receiver.url("/broken"), "decision.made")
    make_lists(engine)
    engine.screen(Message(sender="u1", text="cheap pills"))
    dispatcher = dispatchers()
    dispatcher.run_once()
    removed = endpoints.disable(endpoint.id, by="ops")
    assert not removed.active
    assert endpoints.list() == []
    assert [e.id for e in endpoints.list(include_disabled=True)] == [endpoint.id]
    (row,) = _deliveries(engine)
    assert (row.status, row.last_error) == ("failed", "endpoint disabled")

    engine.screen(Message(sender="u2", text="cheap pills"))
    clock.advance(hours=1)
    result = dispatcher.run_once()
    assert (result.enqueued, len(receiver.requests)) == (0, 1)
    assert endpoints.disable(endpoint.id).disabled_at == removed.disabled_at  # idempotent


def test_registration_and_removal_are_audited_without_the_secret(
    engine: Engine, endpoints: Endpoints, receiver: Receiver
) -> None:
    from fairgate.store import audit_log

    endpoint = endpoints.register(receiver.url("/h"), "decision.made", by="ops")
    endpoints.disable(endpoint.id, by="ops")
    events = [
        e for e in audit_log.events(engine.store.engine) if e.subject == f"webhook:{endpoint.id}"
    ]
    assert [e.kind for e in events] == ["webhook.add", "webhook.disable"]
    assert all(endpoint.secret not in e.payload_json for e in events)
    assert events[0].payload["url"] == receiver.url("/h")
    assert audit_log.verify_database(engine.store.engine).ok
