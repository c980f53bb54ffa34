"""The audit log: every change is an event in one hash chain; editing,
deleting or inserting any stored event (or editing a stored decision) is found,
and the first broken event is named."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, insert, select, update
from tests.enforcement.conftest import Clock, spam

from fairgate.audit import GENESIS_HASH, verify
from fairgate.engine import Engine
from fairgate.store import audit_log
from fairgate.store import tables as t
from fairgate.types import Message


@pytest.fixture
def history(due: Engine, clock: Clock) -> Engine:
    """Lists made, a warning, a restriction, an appeal filed and overturned."""
    for _ in range(3):
        decision = due.screen(spam())
        clock.advance(minutes=1)
    due.screen(Message(sender="u9", text="hello"))
    appeal = due.appeals.file(decision.decision_id, "Please.")
    due.appeals.decide(appeal.id, "overturn", reason="Quoted.", by="rev")
    return due


def _kinds(engine: Engine) -> list[str]:
    return [e.kind for e in audit_log.events(engine.store.engine)]


def test_every_change_is_recorded_in_order(history: Engine) -> None:
    kinds = _kinds(history)
    assert kinds[:3] == ["list.create", "list.add", "list.create"]
    assert kinds.count("decision") == 4
    for kind in (
        "strike.add",
        "restriction.start",
        "appeal.file",
        "review.open",
        "strike.remove",
        "restriction.lift",
        "appeal.decide",
        "review.decide",
    ):
        assert kind in kinds, kind
    result = audit_log.verify_database(history.store.engine)
    assert result.ok, result
    assert result.checked == len(kinds)
    events = list(audit_log.events(history.store.engine))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def _seq_of(engine: Engine, kind: str) -> int:
    return next(e.seq for e in audit_log.events(engine.store.engine) if e.kind == kind)


@pytest.mark.parametrize(
    "column",
    ["payload", "actor", "subject", "kind", "at"],
)
def test_editing_any_field_of_an_event_is_detected(history: Engine, column: str) -> None:
    seq = _seq_of(history, "strike.add")
    events = list(audit_log.events(history.store.engine))
    original = events[seq - 1]
    value = {
        "payload": original.payload_json.replace('"points":1', '"points":0'),
        "actor": "someone-else",
        "subject": "account:other",
        "kind": "strike.remove",
        "at": original.at.replace(year=2020),
    }[column]
    with history.store.engine.begin() as conn:
        conn.execute(
            update(t.audit_events).where(t.audit_events.c.seq == seq).values({column: value})
        )
    result = audit_log.verify_database(history.store.engine)
    assert not result.ok
    assert result.first_broken_seq == seq
    assert "edited" in (result.reason or "")


def test_recomputing_the_hash_of_an_edited_event_breaks_the_next_link(history: Engine) -> None:
    seq = _seq_of(history, "strike.add")
    event = list(audit_log.events(history.store.engine))[seq - 1]
    forged_payload = event.payload_json.replace('"points":1', '"points":0')
    from fairgate.audit import event_hash

    forged = event_hash(
        seq=seq,
        at=event.at,
        kind=event.kind,
        subject=event.subject,
        actor=event.actor,
        payload_json=forged_payload,
        prev_hash=event.prev_hash,
    )
    with history.store.engine.begin() as conn:
        conn.execute(
            update(t.audit_events)
            .where(t.audit_events.c.seq == seq)
            .values(payload=forged_payload, hash=forged)
        )
    result = audit_log.verify_database(history.store.engine)
    assert not result.ok
    assert result.first_broken_seq == seq + 1
    assert "previous event" in (result.reason or "")


def test_deleting_an_event_is_detected(history: Engine) -> None:
    seq = _seq_of(history, "restriction.start")
    with history.store.engine.begin() as conn:
        conn.execute(delete(t.audit_events).where(t.audit_events.c.seq == seq))
    result = audit_log.verify_database(history.store.engine)
    assert not result.ok
    assert result.first_broken_seq == seq + 1
    assert "missing" in (result.reason or "")


def test_deleting_the_newest_event_is_caught_by_the_published_head(history: Engine) -> None:
    head = audit_log.verify_database(history.store.engine).head_hash
    with history.store.engine.begin() as conn:
        last = conn.execute(
            select(t.audit_events.c.seq).order_by(t.audit_events.c.seq.desc())
        ).first()
        assert last is not None
        conn.execute(delete(t.audit_events).where(t.audit_events.c.seq == last[0]))
    assert audit_log.verify_database(history.store.engine).ok  # the chain itself still fits
    result = audit_log.verify_database(history.store.engine, expect_head=head)
    assert not result.ok
    assert "expected head" in (result.reason or "")


def test_inserting_an_event_is_detected(history: Engine) -> None:
    events = list(audit_log.events(history.store.engine))
    with history.store.engine.begin() as conn:
        conn.execute(update(t.audit_events).values(seq=t.audit_events.c.seq + 1000))
        conn.execute(
            insert(t.audit_events),
            {
                "seq": 1,
                "at": events[0].at,
                "kind": "strike.remove",
                "subject": "account:u1",
                "actor": "intruder",
                "payload": "{}",
                "prev_hash": GENESIS_HASH,
                "hash": "f" * 64,
            },
        )
    result = verify(audit_log.events(history.store.engine))
    assert not result.ok
    assert result.first_broken_seq == 1


def test_editing_a_stored_decision_is_detected(history: Engine) -> None:
    with history.store.engine.begin() as conn:
        row = conn.execute(select(t.decisions.c.decision_id, t.decisions.c.payload)).first()
        assert row is not None
        conn.execute(
            update(t.decisions)
            .where(t.decisions.c.decision_id == row[0])
            .values(payload=row[1].replace('"block"', '"deliver"'))
        )
    result = audit_log.verify_database(history.store.engine)
    assert not result.ok
    assert "edited after it was made" in (result.reason or "")


def test_a_decision_inserted_behind_the_log_is_detected(history: Engine) -> None:
    with history.store.engine.begin() as conn:
        conn.execute(
            insert(t.decisions),
            {
                "decision_id": "forged",
                "created_at": history.clock(),
                "sender": "u1",
                "kind": "chat",
                "action": "deliver",
                "payload": "{}",
            },
        )
    result = audit_log.verify_database(history.store.engine)
    assert not result.ok
    assert "no audit event" in (result.reason or "")


def test_an_edited_decision_past_the_first_query_chunk_is_named(due: Engine) -> None:
    """Decisions are checked against their events a chunk of ids per query; an
    edit in a later chunk is found and the right event named."""
    ids = [due.screen(Message(sender=f"u{i}", text="hello")).decision_id for i in range(1200)]
    assert audit_log.verify_database(due.store.engine).ok
    edited = ids[1100]
    with due.store.engine.begin() as conn:
        conn.execute(
            update(t.decisions).where(t.decisions.c.decision_id == edited).values(payload="{}")
        )
    result = audit_log.verify_database(due.store.engine)
    assert not result.ok
    assert result.reason == f"decision {edited} was edited after it was made"
    event = next(
        e
        for e in audit_log.events(due.store.engine, kind="decision")
        if e.payload["decision_id"] == edited
    )
    assert result.first_broken_seq == event.seq
