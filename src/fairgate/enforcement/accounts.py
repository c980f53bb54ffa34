"""Accounts: standing at any moment, and the reversal of a decision's consequences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from fairgate.enforcement import audit_events
from fairgate.enforcement.facts import AccountFacts, RestrictionFact, StrikeFact
from fairgate.enforcement.standing import restrictions_to_lift, standing
from fairgate.errors import InvalidInput
from fairgate.policy import Policy
from fairgate.store import SqlStore
from fairgate.store import accounts as account_rows
from fairgate.types import AccountState

Clock = Callable[[], datetime]
MAX_ACCOUNT_ID_CHARS = 255


def account_id(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ACCOUNT_ID_CHARS:
        raise InvalidInput(
            f"invalid account id {value!r}: expected 1-{MAX_ACCOUNT_ID_CHARS} characters"
        )
    return value


class Accounts:
    def __init__(self, store: SqlStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def facts(self, account: str) -> AccountFacts:
        with self._store.read() as conn:
            return account_rows.facts(conn, account_id(account))

    def state(self, account: str, *, at: datetime | None = None) -> AccountState:
        """Standing now (or at ``at``): computed from stored facts and the clock."""
        return standing(self.facts(account), at or self._clock())


def reverse_decision(
    conn: Connection,
    policy: Policy,
    decision_id: str,
    account: str,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> tuple[list[StrikeFact], list[RestrictionFact]]:
    """Undo what a decision did to its sender, inside the caller's transaction:
    remove its strikes and lift every restriction that no longer stands without
    them (the ones it caused, and later ones its points were needed for)."""
    removed = account_rows.remove_strikes(conn, decision_id, by=by, reason=reason, at=now)
    for strike in removed:
        audit_events.strike_removed(conn, strike, actor=by, reason=reason, at=now)
    facts = account_rows.facts(conn, account)
    lifted = restrictions_to_lift(facts, policy.enforcement, decision_id, now)
    for restriction in lifted:
        account_rows.lift_restriction(conn, restriction.id, by=by, reason=reason, at=now)
        audit_events.restriction_lifted(conn, restriction, actor=by, reason=reason, at=now)
    return removed, lifted
