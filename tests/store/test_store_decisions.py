"""DecisionStore contract: decisions and their signals."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from sqlalchemy import select

from fairgate.errors import Conflict, NotFound
from fairgate.store import SqlStore
from fairgate.store import tables as t
from fairgate.types import Decision


def test_round_trip(store: SqlStore, make_decision: Callable[..., Decision]) -> None:
    decision = make_decision()
    store.save_decision(decision)
    assert store.get_decision("d-1") == decision.to_dict()


def test_signals_stored_for_retro_scans(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    store.save_decision(make_decision("d-1"))
    store.save_decision(make_decision("d-2", sender="bob"))
    c = t.decision_signals.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(c.decision_id, c.attachment, c.variant)
            .where(c.signal_type == "pdq", c.value == "ef" * 32)
            .order_by(c.decision_id)
        ).all()
        row = (
            conn.execute(select(t.decisions).where(t.decisions.c.decision_id == "d-2"))
            .mappings()
            .one()
        )
    assert [tuple(r) for r in rows] == [("d-1", 0, "rot90"), ("d-2", 0, "rot90")]
    assert (row["sender"], row["conversation"], row["kind"], row["action"]) == (
        "bob",
        "c-9",
        "chat",
        "block",
    )
    assert row["created_at"] == make_decision().created_at


def test_decision_without_signals(store: SqlStore, make_decision: Callable[..., Decision]) -> None:
    decision = dataclasses.replace(make_decision("plain"), signals=(), notice=None, reasons=())
    store.save_decision(decision)
    assert store.get_decision("plain") == decision.to_dict()


def test_duplicate_decision_conflicts(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    store.save_decision(make_decision("d-1"))
    with pytest.raises(Conflict):
        store.save_decision(make_decision("d-1", sender="mallory"))
    assert store.get_decision("d-1")["sender"] == "alice"


def test_unknown_decision(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.get_decision("nope")
