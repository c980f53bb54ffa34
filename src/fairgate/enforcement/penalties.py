"""From a verdict to what happens to the sender: the account's restriction
blocks the message, or the ladder penalises it; the notice says so; and all of
it is written with the decision in one transaction.

``assess`` is the pure part (facts + verdict + clock -> outcome); ``record``
writes the outcome.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from fairgate.enforcement import audit_events
from fairgate.enforcement.facts import AccountFacts, RestrictionFact, StrikeFact
from fairgate.enforcement.notices import Catalog, PenaltyFacts, compose
from fairgate.enforcement.standing import NO_PENALTY, Penalty, blocking, penalize, standing
from fairgate.policy import Policy
from fairgate.policy.schema import Rule
from fairgate.store import SqlStore
from fairgate.store import accounts as account_rows
from fairgate.store import review as review_rows
from fairgate.types import (
    AccountState,
    Action,
    Decision,
    ListAction,
    MessageKind,
    Notice,
    Reason,
    Verdict,
)

RESTRICTED_RULE = "account.restricted"
CAPABILITY_FOR_KIND: dict[str, str] = {"chat": "send", "search": "search"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision means for the sender, before it is stored."""

    verdict: Verdict
    penalty: Penalty
    account: AccountState
    notice: Notice | None
    held: bool


def restriction_reason(restriction: RestrictionFact) -> Reason:
    until = (
        "permanently"
        if restriction.permanent
        else f"until {restriction.ends_at:%Y-%m-%d %H:%M} UTC"
    )
    return Reason(
        rule=RESTRICTED_RULE,
        rule_text=f"The account may not {', '.join(restriction.capabilities)} {until} "
        f"(level {restriction.level}).",
        action=ListAction.BLOCK,
        severity=0,
        match=None,
        restriction=restriction.to_dict(),
    )


def assess(
    facts: AccountFacts,
    verdict: Verdict,
    *,
    policy: Policy,
    catalog: Catalog,
    locale: str,
    kind: MessageKind,
    decision_id: str,
    now: datetime,
) -> Outcome:
    """The account's restriction (if it takes away what this message needs)
    blocks it; otherwise a block is penalised on the ladder and a hold waits
    for a person (its penalty, if any, comes when a reviewer confirms it)."""
    restriction = blocking(facts, now, CAPABILITY_FOR_KIND[kind])
    if restriction is not None:
        reason = restriction_reason(restriction)
        verdict = Verdict(
            Action.BLOCK,
            (reason, *verdict.reasons),
            RESTRICTED_RULE,
            0,
            0,
            reason.rule_text,
        )
        notice = compose(
            catalog,
            locale=locale,
            decision_id=decision_id,
            action=Action.BLOCK,
            kind=kind,
            reason=reason,
            penalty=PenaltyFacts(),
            quote=False,
        )
        return Outcome(verdict, NO_PENALTY, standing(facts, now), notice, held=False)
    if verdict.action is Action.DELIVER:
        return Outcome(verdict, NO_PENALTY, standing(facts, now), None, held=False)
    penalty = NO_PENALTY
    if verdict.action is Action.BLOCK and verdict.rule is not None:
        penalty = penalize(
            facts,
            policy.enforcement,
            decision_id=decision_id,
            rule=verdict.rule,
            points=verdict.strike_points,
            jump_to=verdict.jump_to,
            now=now,
        )
    after = with_penalty(facts, penalty)
    top = verdict.reasons[0]
    notice = compose(
        catalog,
        locale=locale,
        decision_id=decision_id,
        action=verdict.action,
        kind=kind,
        reason=top,
        penalty=penalty_facts(penalty),
        quote=quotable(policy, top),
    )
    return Outcome(
        verdict, penalty, standing(after, now), notice, held=verdict.action is Action.HOLD
    )


def quotable(policy: Policy, reason: Reason) -> bool:
    """Quote the matched words back to the sender only for text matches whose
    rule allows it (never anything of an image list)."""
    if reason.match is None or reason.match.signal_type not in ("term", "regex"):
        return False
    rule = policy.rule_for(reason.match.list_name)
    return rule is None or rule.quote_match


def penalty_facts(penalty: Penalty) -> PenaltyFacts:
    r = penalty.restriction
    return PenaltyFacts(
        level=penalty.level.name if penalty.level else None,
        restricted=tuple(r.capabilities) if r else (),
        until=r.ends_at if r else None,
        permanent=bool(r and r.ends_at is None),
        points=penalty.points_after if penalty.strike else 0,
        strikes_until=penalty.strike.expires_at if penalty.strike else None,
    )


def with_penalty(facts: AccountFacts, penalty: Penalty) -> AccountFacts:
    """The facts as they will be once the penalty is stored (ids are not known yet)."""
    strikes = facts.strikes
    restrictions = facts.restrictions
    if penalty.strike is not None:
        s = penalty.strike
        strikes = (
            *strikes,
            StrikeFact(0, s.account_id, s.decision_id, s.rule, s.points, s.at, s.expires_at),
        )
    if penalty.restriction is not None:
        r = penalty.restriction
        restrictions = (
            *restrictions,
            RestrictionFact(
                0,
                r.account_id,
                r.level,
                r.capabilities,
                r.starts_at,
                r.ends_at,
                r.cause_decision_id,
                r.cause,
            ),
        )
    return dataclasses.replace(facts, strikes=strikes, restrictions=restrictions)


@dataclass(frozen=True, slots=True)
class Settlement(account_rows.ReadsStanding):
    """The write of one screen call, to run in a write transaction: read the
    sender's standing, assess the verdict, and store the decision with its
    strike, restriction, review item and audit events, all in that
    transaction: two messages of one sender screened at once by two workers
    are settled one after the other, each seeing the other's strike. Run it
    with ``store.group`` (``run``, or ``run_async``), where concurrent calls
    share one commit and each returns after it; the group reads the standing
    of all their senders at once (``standing_read``). ``also`` writes more
    rows of the decision in the same transaction."""

    store: SqlStore
    verdict: Verdict
    sender: str
    policy: Policy
    catalog: Catalog
    locale: str
    kind: MessageKind
    decision_id: str
    now: datetime
    build: Callable[[Outcome], Decision]
    also: Callable[[Connection, Decision], None] | None = None

    @property
    def standing_read(self) -> account_rows.StandingRead:
        return account_rows.StandingRead(self.sender, self.now)

    def __call__(self, conn: Connection) -> Decision:
        facts = account_rows.facts(conn, self.sender, active_at=self.now)
        outcome = assess(
            facts,
            self.verdict,
            policy=self.policy,
            catalog=self.catalog,
            locale=self.locale,
            kind=self.kind,
            decision_id=self.decision_id,
            now=self.now,
        )
        decision = self.build(outcome)
        record_in(conn, self.store, decision, outcome)
        if self.also is not None:  # e.g. the matched images, kept for reviewers
            self.also(conn, decision)
        return decision


def record_in(
    conn: Connection,
    store: SqlStore,
    decision: Decision,
    outcome: Outcome,
    *,
    actor: str = "fairgate",
) -> None:
    """Store the decision, its strike, its restriction and its review item, with
    their audit events, inside the caller's transaction."""
    store.insert_decision(conn, decision)
    write_penalty(conn, outcome.penalty, actor=actor)
    if outcome.held:
        top = outcome.verdict.reasons[0] if outcome.verdict.reasons else None
        match = top.match if top is not None else None
        item = review_rows.open_item(
            conn,
            kind="hold",
            decision_id=decision.decision_id,
            account_id=decision.sender,
            at=decision.created_at,
            list_id=match.list_id if match else None,
            entry_id=match.entry_id if match else None,
            rule=top.rule if top else None,
        )
        audit_events.review_opened(conn, item, actor=actor)


def write_penalty(conn: Connection, penalty: Penalty, *, actor: str) -> None:
    if penalty.strike is not None:
        strike = account_rows.add_strike(conn, penalty.strike)
        audit_events.strike_added(conn, strike, actor=actor)
    if penalty.restriction is not None:
        restriction = account_rows.add_restriction(conn, penalty.restriction)
        audit_events.restriction_started(conn, restriction, actor=actor)


def penalise_under_rule(
    conn: Connection,
    policy: Policy,
    rule: Rule,
    *,
    account: str,
    decision_id: str,
    now: datetime,
    actor: str,
) -> Penalty:
    """A person confirmed (or the policy auto-penalises) a match under ``rule``:
    its strike points and ladder apply now, inside the caller's transaction."""
    penalty = penalize(
        account_rows.facts(conn, account, active_at=now),
        policy.enforcement,
        decision_id=decision_id,
        rule=rule.id,
        points=rule.strike_points,
        jump_to=rule.level,
        now=now,
    )
    write_penalty(conn, penalty, actor=actor)
    return penalty
