"""Read models: a stored decision with what happened to it since."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairgate.store import appeals as appeal_rows
from fairgate.store import review as review_rows

if TYPE_CHECKING:
    from fairgate.engine import Engine


def decision_record(engine: Engine, decision_id: str) -> dict[str, Any]:
    """The stored Decision, plus its appeal (if any) and its review items, so a
    caller sees whether a held message was delivered or an appeal decided."""
    document = engine.store.get_decision(decision_id)
    with engine.store.read() as conn:
        appeal = appeal_rows.for_decision(conn, decision_id)
        reviews = review_rows.for_decision(conn, decision_id)
    document["appeal"] = appeal.to_dict() if appeal is not None else None
    document["reviews"] = [r.to_dict() for r in reviews]
    return document
