"""Reading ahead the standing of a batch's senders (``store/accounts.read_ahead``):
one query for the batch, the same facts as asking account by account, and a
strike or restriction written later in the transaction is never missed
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, event

from fairgate.enforcement.facts import AccountFacts, NewRestriction, NewStrike
from fairgate.store import SqlStore
from fairgate.store import accounts as account_rows
from fairgate.store.accounts import StandingRead
from fairgate.types import Decision

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@contextmanager
def counting(conn: Connection) -> Iterator[list[str]]:
    """The SQL statements run on ``conn`` inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", record)


def _strike(account: str, decision_id: str, *, expires: datetime) -> NewStrike:
    return NewStrike(account, decision_id, "spam", 1, NOW - timedelta(days=1), expires)


def _restriction(account: str, *, starts: datetime, ends: datetime | None) -> NewRestriction:
    return NewRestriction(account, "mute", ("send",), starts, ends, None, "test")


def _seed(store: SqlStore, make_decision: Callable[..., Decision]) -> None:
    """struck: a strike that counts; expired: one that no longer does; later: a
    restriction that starts in an hour; muted: one in force; quiet: nothing."""
    with store.transaction() as conn:
        for name in ("struck", "expired"):
            store.insert_decision(conn, make_decision(f"d-{name}", sender=name))
        account_rows.add_strike(
            conn, _strike("struck", "d-struck", expires=NOW + timedelta(days=9))
        )
        account_rows.add_strike(
            conn, _strike("expired", "d-expired", expires=NOW - timedelta(hours=1))
        )
        account_rows.add_restriction(
            conn, _restriction("later", starts=NOW + timedelta(hours=1), ends=None)
        )
        account_rows.add_restriction(
            conn,
            _restriction("muted", starts=NOW - timedelta(hours=1), ends=NOW + timedelta(days=1)),
        )


ACCOUNTS = ("struck", "expired", "later", "muted", "quiet")


def _facts_each(conn: Connection, at: datetime) -> dict[str, AccountFacts]:
    return {a: account_rows.facts(conn, a, active_at=at) for a in ACCOUNTS}


def test_read_ahead_answers_as_asking_each_account_does(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    _seed(store, make_decision)
    later = NOW + timedelta(hours=2)  # the scheduled restriction is in force by then
    with store.transaction() as conn:
        expected = {at: _facts_each(conn, at) for at in (NOW, later)}
    with store.transaction() as conn:
        with counting(conn) as statements:
            account_rows.read_ahead(
                conn, [StandingRead(a, NOW) for a in ACCOUNTS] + [StandingRead("later", later)]
            )
        assert len(statements) == 1
        with counting(conn) as statements:
            got = {at: _facts_each(conn, at) for at in (NOW, later)}
    assert got == expected
    assert expected[later]["later"].restrictions  # the case a naive cache would get wrong
    # Only the accounts with something that may be in force were asked about again
    # (struck, later, muted: at each of the two moments; expired and quiet: never).
    assert len([s for s in statements if "EXISTS" in s.upper()]) == 6


def test_a_strike_written_after_the_read_ahead_is_seen(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    with store.transaction() as conn:
        account_rows.read_ahead(conn, [StandingRead("quiet", NOW)])
        assert account_rows.facts(conn, "quiet", active_at=NOW).strikes == ()
        store.insert_decision(conn, make_decision("d-q", sender="quiet"))
        account_rows.add_strike(conn, _strike("quiet", "d-q", expires=NOW + timedelta(days=9)))
        assert len(account_rows.facts(conn, "quiet", active_at=NOW).strikes) == 1
        account_rows.read_ahead(conn, [StandingRead("calm", NOW)])
        account_rows.add_restriction(conn, _restriction("calm", starts=NOW, ends=None))
        assert len(account_rows.facts(conn, "calm", active_at=NOW).restrictions) == 1


def test_the_read_ahead_holds_only_for_its_own_transaction_and_later_moments(
    store: SqlStore,
) -> None:
    with store.transaction() as conn:
        account_rows.read_ahead(conn, [StandingRead("quiet", NOW)])
        with counting(conn) as statements:
            account_rows.facts(conn, "quiet", active_at=NOW - timedelta(seconds=1))
        assert statements  # before the moment it was read for: asked again
    with store.transaction() as conn:  # the same pooled connection, a new transaction
        with counting(conn) as statements:
            account_rows.facts(conn, "quiet", active_at=NOW)
        assert statements


def test_many_accounts_are_read_in_chunks(store: SqlStore) -> None:
    accounts = [f"a{i}" for i in range(account_rows.READ_AHEAD_CHUNK * 2 + 1)]
    with store.transaction() as conn:
        with counting(conn) as statements:
            account_rows.read_ahead(conn, [StandingRead(a, NOW) for a in accounts])
        assert len(statements) == 3
        with counting(conn) as statements:
            assert all(
                account_rows.facts(conn, a, active_at=NOW) == AccountFacts(a, (), ())
                for a in accounts
            )
        assert statements == []
