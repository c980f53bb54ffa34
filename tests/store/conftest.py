"""Fixtures for the store contract tests. Every test runs against each backend
of ``tests/conftest.py``'s ``db_url`` (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from fairgate.store import SqlStore, open_store
from fairgate.types import (
    AccountState,
    Action,
    Decision,
    Evidence,
    ListAction,
    Match,
    Notice,
    Reason,
    Signal,
)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    with open_store(db_url) as s:
        yield s


@pytest.fixture
def make_decision() -> Callable[..., Decision]:
    def build(decision_id: str = "d-1", sender: str = "alice") -> Decision:
        match = Match(
            list_id=1,
            list_name="known-bad",
            entry_id=7,
            signal_type="pdq",
            source="attachment:0",
            evidence=Evidence(distance=4, variant="rot90", quality=90, value="ab" * 32),
        )
        reason = Reason(
            rule="hash.known_bad",
            rule_text="Known abusive image",
            action=ListAction.BLOCK,
            severity=8,
            match=match,
        )
        return Decision(
            decision_id=decision_id,
            created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            message_id="m-1",
            sender=sender,
            conversation="c-9",
            kind="chat",
            action=Action.BLOCK,
            reasons=(reason,),
            notice=Notice(
                text="Your message was blocked: known abusive image. — ünïcode ok",
                rule="hash.known_bad",
                automated=True,
                penalty="1 strike",
                appeal="/v1/decisions/d-1/appeal",
            ),
            account=AccountState(account_id=sender, strikes=1),
            signals=(
                Signal("sha256", "cd" * 32, attachment=0),
                Signal("pdq", "ab" * 32, attachment=0, quality=90),
                Signal("pdq", "ef" * 32, attachment=0, quality=90, variant="rot90"),
            ),
        )

    return build
