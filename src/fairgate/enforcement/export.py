"""An account's data export: every decision about it with its statement of
reasons (the EU DSA article 17 items: what was restricted, the facts, whether
automated means were used, the ground, and how to seek redress), its strikes,
restrictions and appeals with their outcomes, and its standing now."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fairgate.enforcement.accounts import account_id as check_account_id
from fairgate.store import account_decisions
from fairgate.store import appeals as appeal_rows
from fairgate.store import review as review_rows

if TYPE_CHECKING:
    from fairgate.engine import Engine

EXPORT_VERSION = 1


def statement_of_reasons(decision: dict[str, Any]) -> dict[str, Any] | None:
    """Why a block or hold happened, in the terms of a statement of reasons."""
    if decision.get("action") == "deliver":
        return None
    notice = decision.get("notice") or {}
    reasons = decision.get("reasons") or []
    top = reasons[0] if reasons else {}
    return {
        "decision": decision.get("action"),
        "content": notice.get("what"),
        "ground": top.get("rule_text"),
        "rule": top.get("rule"),
        "detection": top.get("signal"),
        "automated_detection": True,
        "automated_decision": bool(notice.get("automated", True)),
        "penalty": notice.get("penalty"),
        "penalty_until": notice.get("penalty_until"),
        "redress": notice.get("appeal"),
    }


_REVIEWS_PER_QUERY = 500
"""Decisions whose review items are read in one query."""


def export_account(engine: Engine, account: str, *, at: datetime | None = None) -> dict[str, Any]:
    account = check_account_id(account)
    now = at or engine.clock()
    facts = engine.accounts.facts(account)
    with engine.store.read() as conn:
        appeals = appeal_rows.listing(conn, account_id=account, limit=1_000_000)
    decisions = [
        json.loads(text) for text in account_decisions.decisions_of(engine.store.engine, account)
    ]
    for start in range(0, len(decisions), _REVIEWS_PER_QUERY):
        page = decisions[start : start + _REVIEWS_PER_QUERY]
        with engine.store.read() as conn:
            reviews = review_rows.for_decisions(conn, [str(d.get("decision_id")) for d in page])
        for document in page:
            document["statement_of_reasons"] = statement_of_reasons(document)
            found = reviews.get(str(document.get("decision_id")), [])
            document["reviews"] = [r.to_dict() for r in found]
    return {
        "export_version": EXPORT_VERSION,
        "account_id": account,
        "exported_at": now.isoformat(),
        "standing": engine.accounts.state(account, at=now).to_dict(),
        "decisions": decisions,
        "strikes": [s.to_dict() for s in facts.strikes],
        "restrictions": [r.to_dict() for r in facts.restrictions],
        "appeals": [a.to_dict() for a in appeals],
    }
