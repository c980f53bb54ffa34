"""Strikes and restrictions in the database, inside the caller's transaction.

Screening reads the sender's standing in every write transaction. A group
commit (:mod:`fairgate.store.group_commit`) settles many screen calls in one
transaction, so :func:`read_ahead` asks once for all of their senders which
may have anything in force; :func:`facts` then answers the others (the great
majority: no strike, no restriction) without a query. That answer holds for
the rest of the transaction because every writer of strikes and restrictions
holds the write lock (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's audit lock:
they all append audit events), and this transaction's own new strikes and
restrictions drop their account from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, bindparam, insert, or_, select, union, update

from fairgate.enforcement.facts import (
    AccountFacts,
    NewRestriction,
    NewStrike,
    RestrictionFact,
    StrikeFact,
)
from fairgate.store import deferred_rows, transaction_scope
from fairgate.store import tables as t

_s, _r = t.strikes.c, t.restrictions.c
_ALL_STRIKES = select(t.strikes).where(_s.account_id == bindparam("account")).order_by(_s.at, _s.id)
_ACTIVE_STRIKES = (
    select(t.strikes)
    .where(_s.account_id == bindparam("account"))
    .where(_s.removed_at.is_(None))
    .where(_s.expires_at > bindparam("now", type_=t.UtcDateTime()))
    .order_by(_s.at, _s.id)
)
_ALL_RESTRICTIONS = (
    select(t.restrictions)
    .where(_r.account_id == bindparam("account"))
    .order_by(_r.starts_at, _r.id)
)
_ACTIVE_RESTRICTIONS = (
    select(t.restrictions)
    .where(_r.account_id == bindparam("account"))
    .where(_r.lifted_at.is_(None))
    .where(_r.starts_at <= bindparam("now", type_=t.UtcDateTime()))
    .where(_r.ends_at.is_(None) | (_r.ends_at > bindparam("now", type_=t.UtcDateTime())))
    .order_by(_r.starts_at, _r.id)
)
"""Built once: constructing SQLAlchemy expressions costs more than running them."""
_ANY_ACTIVE = select(
    or_(
        select(_s.id)
        .where(_s.account_id == bindparam("account"))
        .where(_s.removed_at.is_(None))
        .where(_s.expires_at > bindparam("now", type_=t.UtcDateTime()))
        .exists(),
        select(_r.id)
        .where(_r.account_id == bindparam("account"))
        .where(_r.lifted_at.is_(None))
        .where(_r.starts_at <= bindparam("now", type_=t.UtcDateTime()))
        .where(_r.ends_at.is_(None) | (_r.ends_at > bindparam("now", type_=t.UtcDateTime())))
        .exists(),
    )
)
"""Whether the account has a strike that counts or a restriction in force: for
the great majority of senders it has neither, and one query answers."""

_MAYBE_ACTIVE = union(
    select(_s.account_id)
    .where(_s.account_id.in_(bindparam("accounts", expanding=True)))
    .where(_s.removed_at.is_(None))
    .where(_s.expires_at > bindparam("since", type_=t.UtcDateTime())),
    select(_r.account_id)
    .where(_r.account_id.in_(bindparam("accounts", expanding=True)))
    .where(_r.lifted_at.is_(None))
    .where(_r.ends_at.is_(None) | (_r.ends_at > bindparam("since", type_=t.UtcDateTime()))),
)
"""Of these accounts, those with a strike or restriction that may be in force at
some moment from ``since`` on (a restriction that starts later counts too)."""

_QUIET_KEY = "fairgate_quiet_accounts"
READ_AHEAD_CHUNK = 500
"""Accounts per read-ahead query (bound parameters stay well under any limit)."""


@dataclass(frozen=True, slots=True)
class StandingRead:
    """A work's coming :func:`facts` call: whose standing, at what moment."""

    account_id: str
    at: datetime


class ReadsStanding:
    """Base of a write-transaction work that will read one account's standing
    (``enforcement.penalties.Settlement``): a group commit reads ahead for it.
    A base class, not a runtime-checked protocol: the check runs for every work
    of every batch, and a protocol's costs several microseconds."""

    __slots__ = ()

    @property
    def standing_read(self) -> StandingRead:
        raise NotImplementedError


@dataclass(slots=True)
class _Quiet:
    scope: transaction_scope.Scope
    since: datetime
    accounts: set[str]


def read_ahead(conn: Connection, reads: Iterable[StandingRead]) -> None:
    """For the rest of this transaction, remember which of these accounts have
    nothing that can be in force from the earliest of their moments on: their
    :func:`facts` at any of those moments is empty, and needs no query."""
    wanted = list(reads)
    if not wanted:
        return
    since = min(r.at for r in wanted)
    accounts = sorted({r.account_id for r in wanted})
    busy: set[str] = set()
    for start in range(0, len(accounts), READ_AHEAD_CHUNK):
        chunk = accounts[start : start + READ_AHEAD_CHUNK]
        busy.update(conn.execute(_MAYBE_ACTIVE, {"accounts": chunk, "since": since}).scalars())
    conn.info[_QUIET_KEY] = _Quiet(transaction_scope.current(conn), since, set(accounts) - busy)


def _known_quiet(conn: Connection, account_id: str, at: datetime) -> bool:
    quiet: _Quiet | None = conn.info.get(_QUIET_KEY)
    return (
        quiet is not None
        and account_id in quiet.accounts
        and at >= quiet.since
        and transaction_scope.still_in(conn, quiet.scope)
    )


def _no_longer_quiet(conn: Connection, account_id: str) -> None:
    quiet: _Quiet | None = conn.info.get(_QUIET_KEY)
    if quiet is not None:
        quiet.accounts.discard(account_id)


def facts(conn: Connection, account_id: str, *, active_at: datetime | None = None) -> AccountFacts:
    """Every strike and restriction recorded for the account (standing is
    computed from them and the clock); with ``active_at`` only the strikes that
    count and the restrictions in force at that moment (what screening needs)."""
    if active_at is None:
        params: dict[str, object] = {"account": account_id}
        strikes = conn.execute(_ALL_STRIKES, params).mappings()
        restrictions = conn.execute(_ALL_RESTRICTIONS, params).mappings()
    else:
        if _known_quiet(conn, account_id, active_at):
            return AccountFacts(account_id, (), ())
        params = {"account": account_id, "now": active_at}
        if not conn.execute(_ANY_ACTIVE, params).scalar():
            return AccountFacts(account_id, (), ())
        strikes = conn.execute(_ACTIVE_STRIKES, params).mappings()
        restrictions = conn.execute(_ACTIVE_RESTRICTIONS, params).mappings()
    return AccountFacts(
        account_id,
        tuple(_strike(row) for row in strikes),
        tuple(_restriction(row) for row in restrictions),
    )


def add_strike(conn: Connection, new: NewStrike) -> StrikeFact:
    row = {
        "account_id": new.account_id,
        "decision_id": new.decision_id,
        "rule": new.rule,
        "points": new.points,
        "at": new.at,
        "expires_at": new.expires_at,
    }
    deferred_rows.flush(conn)  # the strike refers to its decision's row
    _no_longer_quiet(conn, new.account_id)
    strike_id = conn.execute(insert(t.strikes).returning(t.strikes.c.id), row).scalar_one()
    return StrikeFact(
        id=int(strike_id),
        account_id=new.account_id,
        decision_id=new.decision_id,
        rule=new.rule,
        points=new.points,
        at=new.at,
        expires_at=new.expires_at,
    )


def add_restriction(conn: Connection, new: NewRestriction) -> RestrictionFact:
    row = {
        "account_id": new.account_id,
        "level": new.level,
        "capabilities": ",".join(new.capabilities),
        "starts_at": new.starts_at,
        "ends_at": new.ends_at,
        "cause_decision_id": new.cause_decision_id,
        "cause": new.cause,
    }
    deferred_rows.flush(conn)  # the restriction refers to its decision's row
    _no_longer_quiet(conn, new.account_id)
    rid = conn.execute(insert(t.restrictions).returning(t.restrictions.c.id), row).scalar_one()
    return RestrictionFact(
        id=int(rid),
        account_id=new.account_id,
        level=new.level,
        capabilities=new.capabilities,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        cause_decision_id=new.cause_decision_id,
        cause=new.cause,
    )


def remove_strikes(
    conn: Connection, decision_id: str, *, by: str, reason: str, at: datetime
) -> list[StrikeFact]:
    """Remove (never delete) the strikes a decision gave; returns those removed."""
    s = t.strikes.c
    rows = conn.execute(
        select(t.strikes).where(s.decision_id == decision_id).where(s.removed_at.is_(None))
    ).mappings()
    removed = [_strike(row) for row in rows]
    if removed:
        conn.execute(
            update(t.strikes)
            .where(s.id.in_([x.id for x in removed]))
            .values(removed_at=at, removed_by=by, removed_reason=reason)
        )
    return removed


def lift_restriction(
    conn: Connection, restriction_id: int, *, by: str, reason: str, at: datetime
) -> None:
    r = t.restrictions.c
    conn.execute(
        update(t.restrictions)
        .where(r.id == restriction_id)
        .where(r.lifted_at.is_(None))
        .values(lifted_at=at, lifted_by=by, lifted_reason=reason)
    )


def _strike(row: RowMapping) -> StrikeFact:
    return StrikeFact(
        id=int(row["id"]),
        account_id=row["account_id"],
        decision_id=row["decision_id"],
        rule=row["rule"],
        points=int(row["points"]),
        at=row["at"],
        expires_at=row["expires_at"],
        removed_at=row["removed_at"],
        removed_by=row["removed_by"],
        removed_reason=row["removed_reason"],
    )


def _restriction(row: RowMapping) -> RestrictionFact:
    caps = str(row["capabilities"])
    return RestrictionFact(
        id=int(row["id"]),
        account_id=row["account_id"],
        level=row["level"],
        capabilities=tuple(c for c in caps.split(",") if c),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        cause_decision_id=row["cause_decision_id"],
        cause=row["cause"],
        lifted_at=row["lifted_at"],
        lifted_by=row["lifted_by"],
        lifted_reason=row["lifted_reason"],
    )
