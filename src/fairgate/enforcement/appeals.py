"""Appeals: the sender asks a person to look again, once per decision.

A reviewer upholds or overturns with a reason. Overturning reverses every
consequence of the decision (strikes removed, restrictions that no longer stand
lifted) and can disable the matched list entries as false positives, so they
stop matching for everyone at the next screen call. Everything an appeal does
is written in one transaction with its audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fairgate.audit import EventKind
from fairgate.enforcement import audit_events
from fairgate.enforcement.accounts import reverse_decision
from fairgate.enforcement.facts import RestrictionFact, StrikeFact
from fairgate.enforcement.penalties import RESTRICTED_RULE
from fairgate.errors import Conflict, Forbidden, InvalidInput, NotFound
from fairgate.store import appeals as appeal_rows
from fairgate.store import review as review_rows
from fairgate.store.records import AppealRecord

if TYPE_CHECKING:
    from fairgate.engine import Engine

MAX_STATEMENT_CHARS = 5_000
MAX_REASON_CHARS = 5_000
APPEALABLE = ("block", "hold")
Outcome = Literal["uphold", "overturn"]


@dataclass(frozen=True, slots=True)
class AppealDecision:
    appeal: AppealRecord
    notice: str
    """What the sender is told about the outcome."""
    strikes_removed: tuple[StrikeFact, ...] = ()
    restrictions_lifted: tuple[RestrictionFact, ...] = ()
    entries_disabled: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "appeal": self.appeal.to_dict(),
            "notice": self.notice,
            "strikes_removed": [s.id for s in self.strikes_removed],
            "restrictions_lifted": [r.id for r in self.restrictions_lifted],
            "entries_disabled": list(self.entries_disabled),
        }


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} is required")
    if len(value) > limit:
        raise InvalidInput(f"{what} has {len(value)} characters; the limit is {limit}")
    return value.strip()


class Appeals:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def file(
        self,
        decision_id: str,
        statement: str,
        *,
        account_id: str | None = None,
        filed_by: str = "platform",
    ) -> AppealRecord:
        """File the sender's appeal of a block or hold. ``account_id``, when the
        platform passes it, must be the decision's sender."""
        statement = _text(statement, "an appeal statement", MAX_STATEMENT_CHARS)
        e = self._engine
        decision = e.store.get_decision(decision_id)
        sender = str(decision["sender"])
        if account_id is not None and account_id != sender:
            raise Forbidden(
                f"decision {decision_id} is about another account; only its sender may appeal"
            )
        if decision["action"] not in APPEALABLE:
            raise InvalidInput(
                f"decision {decision_id} delivered the message; "
                "only blocks and holds can be appealed"
            )
        reasons = decision.get("reasons") or []
        if reasons and reasons[0].get("rule") == RESTRICTED_RULE:
            cause = (
                (reasons[0].get("evidence") or {}).get("restriction", {}).get("cause_decision_id")
            )
            raise InvalidInput(
                f"decision {decision_id} was blocked by the account's restriction; "
                f"appeal decision {cause} that caused it"
            )
        now = e.clock()
        with e.store.transaction() as conn:
            if appeal_rows.for_decision(conn, decision_id) is not None:
                raise Conflict(
                    f"decision {decision_id} has already been appealed (once per decision)"
                )
            appeal = appeal_rows.insert_appeal(
                conn,
                decision_id=decision_id,
                account_id=sender,
                statement=statement,
                filed_by=filed_by,
                at=now,
            )
            audit_events.appeal_event(conn, EventKind.APPEAL_FILE, appeal, actor=filed_by, at=now)
            item = review_rows.open_item(
                conn,
                kind="appeal",
                decision_id=decision_id,
                account_id=sender,
                at=now,
                appeal_id=appeal.id,
                rule=reasons[0].get("rule") if reasons else None,
                list_id=reasons[0].get("list_id") if reasons else None,
                entry_id=reasons[0].get("entry_id") if reasons else None,
            )
            audit_events.review_opened(conn, item, actor=filed_by)
        return appeal

    def get(self, appeal_id: int) -> AppealRecord:
        with self._engine.store.read() as conn:
            found = appeal_rows.get(conn, appeal_id)
        if found is None:
            raise NotFound(f"no appeal {appeal_id}")
        return found

    def list(
        self, *, status: str | None = None, account_id: str | None = None, limit: int = 100
    ) -> list[AppealRecord]:
        if status is not None and status not in appeal_rows.STATUSES:
            raise InvalidInput(
                f"invalid status {status!r}: expected one of {', '.join(appeal_rows.STATUSES)}"
            )
        with self._engine.store.read() as conn:
            return appeal_rows.listing(conn, status=status, account_id=account_id, limit=limit)

    def decide(
        self,
        appeal_id: int,
        outcome: str,
        *,
        reason: str,
        by: str,
        disable_entries: bool = False,
    ) -> AppealDecision:
        """A person's answer. ``overturn`` reverses the decision's consequences;
        with ``disable_entries`` the matched list entries are disabled too, with
        the entries listed together with them from the same file (an image's
        ``orb`` entry would otherwise still match it after its ``pdq`` entry is
        disabled)."""
        if outcome not in ("uphold", "overturn"):
            raise InvalidInput(f"invalid outcome {outcome!r}: expected uphold or overturn")
        if disable_entries and outcome != "overturn":
            raise InvalidInput("entries can only be disabled when the decision is overturned")
        reason = _text(reason, "a reason for the outcome", MAX_REASON_CHARS)
        e = self._engine
        appeal = self.get(appeal_id)
        if appeal.status != "pending":
            raise Conflict(f"appeal {appeal_id} was already decided ({appeal.status})")
        decision = e.store.get_decision(appeal.decision_id)
        entries = [
            (int(r["list_id"]), int(r["entry_id"]))
            for r in decision.get("reasons") or []
            if r.get("entry_id") is not None and r.get("list_id") is not None
        ]
        now = e.clock()
        removed: list[StrikeFact] = []
        lifted: list[RestrictionFact] = []
        disabled: list[int] = []
        with e.store.transaction(changelog=disable_entries) as conn:
            if outcome == "overturn":
                removed, lifted = reverse_decision(
                    conn,
                    e.policy,
                    appeal.decision_id,
                    appeal.account_id,
                    by=by,
                    reason=f"appeal {appeal_id} overturned: {reason}",
                    now=now,
                )
                if disable_entries:
                    listed = [
                        (list_id, sibling)
                        for list_id, entry_id in dict.fromkeys(entries)
                        for sibling in e.store.listed_with_in(conn, entry_id) or [entry_id]
                    ]
                    for list_id, entry_id in dict.fromkeys(listed):
                        e.store.disable_entry_in(
                            conn,
                            list_id,
                            entry_id,
                            by=by,
                            reason=f"false positive (appeal {appeal_id}): {reason}",
                        )
                        disabled.append(entry_id)
            status = "upheld" if outcome == "uphold" else "overturned"
            if not appeal_rows.decide(
                conn,
                appeal_id,
                status=status,
                by=by,
                reason=reason,
                at=now,
                disabled_entries=disabled,
            ):
                raise Conflict(f"appeal {appeal_id} was decided by someone else meanwhile")
            decided = appeal_rows.get(conn, appeal_id)
            if decided is None:  # pragma: no cover - updated in this transaction
                raise NotFound(f"no appeal {appeal_id}")
            audit_events.appeal_event(conn, EventKind.APPEAL_DECIDE, decided, actor=by, at=now)
            for item in review_rows.for_decision(conn, appeal.decision_id):
                if item.kind == "appeal" and item.status == "open":
                    review_rows.close(conn, item.id, outcome=outcome, by=by, reason=reason, at=now)
                    audit_events.review_event(
                        conn, EventKind.REVIEW_DECIDE, item, actor=by, at=now, outcome=outcome
                    )
        sent = (decision.get("notice") or {}).get("locale")
        locale = e.notices.resolve(
            sent if isinstance(sent, str) else None, e.settings.notice_locale
        )
        key = "appeal_upheld" if outcome == "uphold" else "appeal_overturned"
        notice = e.notices.text(locale, key, decision_id=appeal.decision_id, reason=reason)
        return AppealDecision(decided, notice, tuple(removed), tuple(lifted), tuple(disabled))
