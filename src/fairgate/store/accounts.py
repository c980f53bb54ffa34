"""Strikes and restrictions in the database, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, RowMapping, bindparam, insert, or_, select, update

from fairgate.enforcement.facts import (
    AccountFacts,
    NewRestriction,
    NewStrike,
    RestrictionFact,
    StrikeFact,
)
from fairgate.store import deferred_rows
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


def facts(conn: Connection, account_id: str, *, active_at: datetime | None = None) -> AccountFacts:
    """Every strike and restriction recorded for the account (standing is
    computed from them and the clock); with ``active_at`` only the strikes that
    count and the restrictions in force at that moment (what screening needs)."""
    if active_at is None:
        params: dict[str, object] = {"account": account_id}
        strikes = conn.execute(_ALL_STRIKES, params).mappings()
        restrictions = conn.execute(_ALL_RESTRICTIONS, params).mappings()
    else:
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
