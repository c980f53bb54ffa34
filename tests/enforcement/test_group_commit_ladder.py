"""Group commit through the engine: one sender's messages settled in one shared
transaction climb the ladder as if sent one by one (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from tests.enforcement.conftest import spam
from tests.store.test_group_commit import in_one_batch

from fairgate.engine import Engine
from fairgate.store import audit_log
from fairgate.store import tables as t
from fairgate.types import Action, Decision


def test_one_senders_messages_in_one_batch_see_each_others_strikes(due: Engine) -> None:
    """Five spam messages of one sender committed together: 1, 2, 3 points
    (restricted at 3), then blocked by the restriction; the strike and
    restriction rows refer to decisions written in the same batch."""
    group = due.store.group
    before = group.batches
    decisions = in_one_batch(group, [lambda: due.screen(spam("u9")) for _ in range(5)])
    assert group.batches - before == 2
    assert all(isinstance(d, Decision) and d.action is Action.BLOCK for d in decisions)
    assert sorted(d.account.strike_points for d in decisions) == [1, 2, 3, 3, 3]
    restricted = [d for d in decisions if d.reasons[0].rule == "account.restricted"]
    assert len(restricted) == 2
    with due.store.read() as conn:
        strikes = conn.execute(select(func.count()).select_from(t.strikes)).scalar()
        stored = conn.execute(select(func.count()).select_from(t.decisions)).scalar()
    assert (strikes, stored) == (3, 5)
    assert audit_log.verify_database(due.store.engine).ok


def test_a_batch_reads_its_senders_standing_in_one_query(due: Engine) -> None:
    """Eight senders with a clean record and one already struck, in one batch:
    the standing of all nine is read ahead with one query, and only the struck
    one is asked about again."""
    due.screen(spam("struck"))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    senders = [f"clean{i}" for i in range(8)] + ["struck"]
    event.listen(due.store.engine, "before_cursor_execute", record)
    try:
        decisions = in_one_batch(
            due.store.group, [lambda s=s: due.screen(spam(s)) for s in senders]
        )
    finally:
        event.remove(due.store.engine, "before_cursor_execute", record)
    points = {d.sender: d.account.strike_points for d in decisions}
    assert points == {**{f"clean{i}": 1 for i in range(8)}, "struck": 2}
    probes = [s for s in statements if "EXISTS" in s.upper()]
    ahead = [s for s in statements if "UNION" in s.upper()]
    # one read-ahead for the batch; then only "struck" is probed
    assert (len(ahead), len(probes)) == (1, 1)
