"""The human review queue: held messages, retro-scan hits and appeals, oldest
first. A reviewer claims an item (so two people do not take the same one),
then decides it:

* ``hold``: ``deliver`` (released to the recipient) or ``block`` (the rule's
  strike points and ladder apply now, since a person confirmed it);
* ``retro``: ``dismiss`` or ``confirm`` (confirm penalises like a block;
  dismiss reverses a penalty the policy gave automatically);
* ``appeal``: ``uphold`` or ``overturn`` (see :mod:`fairgate.enforcement.appeals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from fairgate.audit import EventKind
from fairgate.enforcement import audit_events
from fairgate.enforcement.accounts import reverse_decision
from fairgate.enforcement.penalties import penalise_under_rule
from fairgate.errors import Conflict, InvalidInput, NotFound
from fairgate.store import review as review_rows
from fairgate.store.records import ReviewItem

if TYPE_CHECKING:
    from fairgate.engine import Engine

OUTCOMES: dict[str, tuple[str, ...]] = {
    "hold": ("deliver", "block"),
    "retro": ("dismiss", "confirm"),
    "appeal": ("uphold", "overturn"),
}


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    item: ReviewItem
    notice: str | None
    """What the sender is told (held messages and appeals), if anything."""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item.to_dict(), "notice": self.notice}


class Review:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, item_id: int) -> ReviewItem:
        with self._engine.store.read() as conn:
            item = review_rows.get(conn, item_id)
        if item is None:
            raise NotFound(f"no review item {item_id}")
        return item

    def queue(
        self,
        *,
        kind: str | None = None,
        list_name: str | None = None,
        rule: str | None = None,
        older_than: timedelta | None = None,
        reviewer: str | None = None,
        status: str | None = "open",
        limit: int = 100,
        offset: int = 0,
    ) -> list[ReviewItem]:
        """Items oldest first. ``reviewer`` hides items another reviewer has claimed."""
        if kind is not None and kind not in OUTCOMES:
            raise InvalidInput(f"invalid kind {kind!r}: expected one of {', '.join(OUTCOMES)}")
        if status is not None and status not in ("open", "closed"):
            raise InvalidInput(f"invalid status {status!r}: expected open or closed")
        e = self._engine
        list_id = e.store.get_list(list_name).id if list_name else None
        before = e.clock() - older_than if older_than is not None else None
        with e.store.read() as conn:
            return review_rows.listing(
                conn,
                status=status,
                kind=kind,
                list_id=list_id,
                rule=rule,
                created_before=before,
                unclaimed_or=reviewer,
                limit=limit,
                offset=offset,
            )

    def depth(self) -> dict[str, int]:
        with self._engine.store.read() as conn:
            return review_rows.depth(conn)

    def claim(self, item_id: int, *, by: str) -> ReviewItem:
        e = self._engine
        now = e.clock()
        stale = now - timedelta(minutes=e.settings.review_claim_minutes)
        with e.store.transaction() as conn:
            item = review_rows.get(conn, item_id)
            if item is None:
                raise NotFound(f"no review item {item_id}")
            if item.status != "open":
                raise Conflict(f"review item {item_id} is already closed ({item.outcome})")
            if not review_rows.claim(conn, item_id, by=by, at=now, stale_before=stale):
                raise Conflict(f"review item {item_id} is claimed by {item.claimed_by}")
            audit_events.review_event(conn, EventKind.REVIEW_CLAIM, item, actor=by, at=now)
            claimed = review_rows.get(conn, item_id)
        if claimed is None:  # pragma: no cover - updated in this transaction
            raise NotFound(f"no review item {item_id}")
        return claimed

    def decide(
        self,
        item_id: int,
        outcome: str,
        *,
        reason: str,
        by: str,
        disable_entries: bool = False,
    ) -> ReviewOutcome:
        item = self.get(item_id)
        allowed = OUTCOMES[item.kind]
        if outcome not in allowed:
            raise InvalidInput(
                f"a {item.kind} item is decided with {' or '.join(allowed)}, not {outcome!r}"
            )
        if item.status != "open":
            raise Conflict(f"review item {item_id} is already closed ({item.outcome})")
        e = self._engine
        if item.claimed_by is not None and item.claimed_by != by:
            stale = e.clock() - timedelta(minutes=e.settings.review_claim_minutes)
            if item.claimed_at is not None and item.claimed_at >= stale:
                raise Conflict(f"review item {item_id} is claimed by {item.claimed_by}")
        if item.kind == "appeal":
            if item.appeal_id is None:  # pragma: no cover - appeal items always name one
                raise NotFound(f"review item {item_id} names no appeal")
            result = e.appeals.decide(
                item.appeal_id, outcome, reason=reason, by=by, disable_entries=disable_entries
            )
            return ReviewOutcome(self.get(item_id), result.notice)
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("a reason for the outcome is required")
        now = e.clock()
        decision = e.store.get_decision(item.decision_id)
        with e.store.transaction() as conn:
            if outcome in ("block", "confirm"):
                self._penalise(conn, item, now)
            elif outcome == "dismiss":
                reverse_decision(
                    conn,
                    e.policy,
                    item.decision_id,
                    item.account_id,
                    by=by,
                    reason=f"retro-scan hit dismissed: {reason}",
                    now=now,
                )
            if not review_rows.close(conn, item_id, outcome=outcome, by=by, reason=reason, at=now):
                raise Conflict(f"review item {item_id} was decided by someone else meanwhile")
            audit_events.review_event(
                conn,
                EventKind.REVIEW_DECIDE,
                item,
                actor=by,
                at=now,
                outcome=outcome,
                reason=reason,
            )
        return ReviewOutcome(self.get(item_id), self._notice(item, outcome, decision))

    def _penalise(self, conn: Connection, item: ReviewItem, now: datetime) -> None:
        e = self._engine
        rule = next((r for r in e.policy.rules if r.id == item.rule), None)
        if rule is None:
            return
        penalise_under_rule(
            conn,
            e.policy,
            rule,
            account=item.account_id,
            decision_id=item.decision_id,
            now=now,
            actor="review",
        )

    def _notice(self, item: ReviewItem, outcome: str, decision: dict[str, Any]) -> str | None:
        if item.kind != "hold":
            return None
        e = self._engine
        sent = (decision.get("notice") or {}).get("locale")
        locale = e.notices.resolve(
            sent if isinstance(sent, str) else None, e.settings.notice_locale
        )
        rule_text = str((decision.get("notice") or {}).get("rule_text") or "")
        key = "hold_delivered" if outcome == "deliver" else "hold_blocked"
        return e.notices.text(locale, key, decision_id=item.decision_id, rule_text=rule_text)
