"""A seeded database for the report tests: decisions through the real store, and
appeals, restrictions and review items as rows of the due-process tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, insert

from fairgate.store import SqlStore, open_store
from fairgate.store import tables as t
from fairgate.types import (
    AccountState,
    Action,
    Decision,
    Evidence,
    ListAction,
    Match,
    Notice,
    Reason,
)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


SINCE = at(11, 1)
UNTIL = at(12, 1)


class Seeder:
    """Writes report facts into a real database."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def decision(
        self,
        decision_id: str,
        created_at: datetime,
        action: str,
        *reasons: tuple[str, str, str],
        sender: str = "alice",
    ) -> None:
        """``reasons``: (rule, signal, source) in order, the first being the top one."""
        built = tuple(
            Reason(
                rule=rule,
                rule_text=f"text of {rule}",
                action=ListAction.FLAG if action == "deliver" else ListAction(action),
                severity=1,
                match=Match(
                    list_id=1,
                    list_name="some-list",
                    entry_id=n + 1,
                    signal_type=signal,
                    source=source,
                    evidence=Evidence(distance=0 if source.startswith("attachment") else None),
                ),
            )
            for n, (rule, signal, source) in enumerate(reasons)
        )
        self.store.save_decision(
            Decision(
                decision_id=decision_id,
                created_at=created_at,
                message_id=None,
                sender=sender,
                conversation=None,
                kind="chat",
                action=Action(action),
                reasons=built,
                notice=(
                    Notice("blocked", built[0].rule, True, None, decision_id) if built else None
                ),
                account=AccountState(sender),
            )
        )

    def appeal(
        self,
        decision_id: str,
        filed_at: datetime,
        status: str = "pending",
        decided_at: datetime | None = None,
    ) -> None:
        self._insert(
            t.appeals,
            decision_id=decision_id,
            account_id="alice",
            statement="this was a mistake",
            filed_at=filed_at,
            filed_by="alice",
            status=status,
            decided_at=decided_at,
            decided_by="reviewer" if decided_at else None,
            outcome_reason="checked" if decided_at else None,
            disabled_entries="",
        )

    def restriction(
        self,
        level: str,
        starts_at: datetime,
        ends_at: datetime | None,
        lifted_at: datetime | None = None,
    ) -> None:
        self._insert(
            t.restrictions,
            account_id="alice",
            level=level,
            capabilities="send",
            starts_at=starts_at,
            ends_at=ends_at,
            cause_decision_id=None,
            cause="strikes",
            lifted_at=lifted_at,
            lifted_by="reviewer" if lifted_at else None,
            lifted_reason="appeal" if lifted_at else None,
        )

    def review(
        self,
        kind: str,
        decision_id: str,
        created_at: datetime,
        decided_at: datetime | None = None,
        outcome: str | None = None,
    ) -> None:
        self._insert(
            t.review_items,
            kind=kind,
            decision_id=decision_id,
            account_id="alice",
            created_at=created_at,
            status="closed" if decided_at else "open",
            decided_at=decided_at,
            decided_by="reviewer" if decided_at else None,
            outcome=outcome,
        )

    def _insert(self, table: Table, **row: object) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(insert(table), row)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    with open_store(db_url) as s:
        yield s


@pytest.fixture
def seeder(store: SqlStore) -> Seeder:
    return Seeder(store)


def seed_november(s: Seeder) -> None:
    """The scenario most tests count: November 2026 with facts just outside it."""
    s.decision("d-hash", at(11, 2), "block", ("abuse.known-image", "sha256", "attachment:0"))
    s.decision(
        "d-pdq",
        at(11, 3),
        "block",
        ("abuse.known-image", "pdq", "attachment:1"),
        ("abuse.known-image", "sha256", "attachment:1"),
    )
    s.decision("d-text", at(11, 4), "block", ("spam.advertising", "term", "text"))
    s.decision("d-ocr", at(11, 5), "hold", ("scam.fraud", "term", "attachment:0:ocr"))
    s.decision("d-flag", at(11, 6), "deliver", ("spam.watch", "regex", "text"))
    s.decision("d-acct", at(11, 7), "block", ("account.restricted", "account", "account"))
    s.decision("d-new", at(11, 8), "block", ("video.known", "vhash", "attachment:0"))
    s.decision("d-plain-1", SINCE, "deliver")
    s.decision("d-plain-2", at(11, 9), "deliver")
    s.decision("d-before", at(10, 31, 23, 59, 59), "block", ("spam.advertising", "term", "text"))
    s.decision("d-at-until", UNTIL, "block", ("spam.advertising", "term", "text"))

    s.appeal("d-hash", at(11, 2, 10), "overturned", at(11, 2, 16))  # 6 h
    s.appeal("d-pdq", at(11, 3), "upheld", at(11, 4))  # 24 h
    s.appeal("d-text", at(11, 4))
    s.appeal("d-before", at(10, 31, 23, 59, 59), "upheld", at(11, 1, 11, 59, 59))  # 12 h
    s.appeal("d-ocr", at(11, 30, 12), "overturned", at(12, 1, 6))

    s.restriction("warning", at(11, 2), at(11, 2))
    s.restriction("restricted_24h", at(11, 3), at(11, 4), lifted_at=at(11, 3, 12))
    s.restriction("restricted_24h", at(11, 10), at(11, 11))
    s.restriction("permanent", at(11, 20), None)
    s.restriction("permanent", at(11, 25), None, lifted_at=at(12, 2))
    s.restriction("restricted_7d", at(10, 20), at(10, 27))

    s.review("hold", "d-ocr", at(11, 5), at(11, 5, 1), "deliver")
    s.review("hold", "d-ocr", at(11, 6), at(11, 7), "expired")
    s.review("hold", "d-ocr", at(11, 29))
    s.review("retro", "d-hash", at(10, 30), at(11, 2), "confirm")
    s.review("retro", "d-pdq", at(11, 15), at(12, 2), "dismiss")
    s.review("appeal", "d-pdq", at(11, 3), at(11, 4), "uphold")
