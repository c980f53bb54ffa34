"""The ladder as pure functions: stored facts + the clock -> standing and penalties.

No I/O and no clock of its own: callers pass ``now``, so tests can move time
and a restriction ends exactly when the clock passes its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fairgate.enforcement.facts import (
    AccountFacts,
    NewRestriction,
    NewStrike,
    RestrictionFact,
    StrikeFact,
)
from fairgate.policy.enforcement import Enforcement, Level
from fairgate.types import CAPABILITIES, AccountState


def active_points(strikes: Iterable[StrikeFact], now: datetime) -> int:
    return sum(s.points for s in strikes if s.counts_at(now))


def in_force(facts: AccountFacts, now: datetime) -> list[RestrictionFact]:
    """Restrictions in force at ``now``, the one ending last first (permanent first)."""
    live = [r for r in facts.restrictions if r.in_force_at(now)]
    return sorted(live, key=lambda r: (r.ends_at is None, r.ends_at or r.starts_at), reverse=True)


def standing(facts: AccountFacts, now: datetime) -> AccountState:
    """The account's state at ``now``: strikes that count, restriction in force,
    and what the account may still do."""
    strikes = [s for s in facts.strikes if s.counts_at(now)]
    live = in_force(facts, now)
    taken = {c for r in live for c in r.capabilities}
    top = live[0] if live else None
    return AccountState(
        account_id=facts.account_id,
        strikes=len(strikes),
        strike_points=sum(s.points for s in strikes),
        restriction=top.level if top else None,
        restricted_until=top.ends_at if top else None,
        restriction_permanent=bool(top and top.permanent),
        capabilities=tuple(c for c in CAPABILITIES if c not in taken),
        restrictions=tuple(r.to_dict() for r in live),
    )


def blocking(facts: AccountFacts, now: datetime, capability: str) -> RestrictionFact | None:
    """The restriction in force that takes ``capability`` away, if any (the one
    ending last)."""
    for r in in_force(facts, now):
        if capability in r.capabilities:
            return r
    return None


@dataclass(frozen=True, slots=True)
class Penalty:
    """What one penalised decision adds: a strike, the level it reaches, and a
    new restriction when that level takes more away, or for longer, than what is
    already in force."""

    strike: NewStrike | None
    level: Level | None
    restriction: NewRestriction | None
    points_after: int


NO_PENALTY = Penalty(None, None, None, 0)


def penalize(
    facts: AccountFacts,
    ladder: Enforcement,
    *,
    decision_id: str,
    rule: str,
    points: int,
    jump_to: str | None,
    now: datetime,
) -> Penalty:
    """The penalty for one decision under ``rule``: ``points`` strike points (they
    count for the ladder's strike window), and the level the account's points
    now reach, or ``jump_to`` if that is higher (e.g. a known-abuse list)."""
    if points <= 0 and jump_to is None:
        return Penalty(None, None, None, active_points(facts.strikes, now))
    strike = (
        NewStrike(facts.account_id, decision_id, rule, points, now, now + ladder.strike_window)
        if points > 0
        else None
    )
    total = active_points(facts.strikes, now) + max(points, 0)
    level = ladder.reached(total)
    jump = ladder.level(jump_to) if jump_to is not None else None
    jumped = jump is not None and (level is None or jump.points > level.points)
    if jumped:
        level = jump
    restriction = _restriction_for(facts, level, decision_id, rule, now, jumped=jumped)
    return Penalty(strike, level, restriction, total)


JUMP_CAUSE = "rule goes straight to level"
"""How a restriction's cause begins when its rule jumped to the level (it does
not depend on the points, so removing other strikes leaves it standing)."""


def _restriction_for(
    facts: AccountFacts,
    level: Level | None,
    decision_id: str,
    rule: str,
    now: datetime,
    *,
    jumped: bool,
) -> NewRestriction | None:
    if level is None or not level.restrict:
        return None
    ends = None if level.duration is None else now + level.duration
    for current in in_force(facts, now):
        covers = set(level.restrict) <= set(current.capabilities)
        lasts = current.ends_at is None or (ends is not None and current.ends_at >= ends)
        if covers and lasts:
            return None
    return NewRestriction(
        account_id=facts.account_id,
        level=level.name,
        capabilities=level.restrict,
        starts_at=now,
        ends_at=ends,
        cause_decision_id=decision_id,
        cause=f"{JUMP_CAUSE if jumped else 'level reached'}: {level.name} under rule {rule}",
    )


def restrictions_to_lift(
    facts: AccountFacts, ladder: Enforcement, removed_decision: str, now: datetime
) -> list[RestrictionFact]:
    """After the strikes of ``removed_decision`` are removed (an appeal was
    overturned): the restrictions in force that no longer stand — the ones it
    caused, and the ones whose level the remaining strikes at their start no
    longer reach."""
    remaining = [s for s in facts.strikes if s.decision_id != removed_decision]
    out: list[RestrictionFact] = []
    for r in in_force(facts, now):
        if r.cause_decision_id == removed_decision:
            out.append(r)
            continue
        level = ladder.level(r.level)
        if level is None or r.cause.startswith(JUMP_CAUSE):
            continue
        points_then = active_points(remaining, r.starts_at)
        if points_then < level.points:
            out.append(r)
    return out
