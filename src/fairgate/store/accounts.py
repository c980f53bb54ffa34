"""Strikes and restrictions in the database, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, RowMapping, insert, select, update

from fairgate.enforcement.facts import (
    AccountFacts,
    NewRestriction,
    NewStrike,
    RestrictionFact,
    StrikeFact,
)
from fairgate.store import tables as t


def facts(conn: Connection, account_id: str) -> AccountFacts:
    """Every strike and restriction ever recorded for the account (standing is
    computed from them and the clock)."""
    s, r = t.strikes.c, t.restrictions.c
    strikes = conn.execute(
        select(t.strikes).where(s.account_id == account_id).order_by(s.at, s.id)
    ).mappings()
    restrictions = conn.execute(
        select(t.restrictions).where(r.account_id == account_id).order_by(r.starts_at, r.id)
    ).mappings()
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
