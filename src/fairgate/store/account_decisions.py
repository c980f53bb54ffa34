"""The decisions about one account, streamed oldest first (for its data export)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, select

from fairgate.store import tables as t

PAGE = 1_000


def decisions_of(engine: Engine, account_id: str) -> Iterator[str]:
    """The stored documents (JSON text) of every decision about an account, oldest first."""
    d = t.decisions.c
    after_time = None
    after_id = ""
    while True:
        stmt = select(d.decision_id, d.created_at, d.payload).where(d.sender == account_id)
        if after_time is not None:
            stmt = stmt.where(
                (d.created_at > after_time)
                | ((d.created_at == after_time) & (d.decision_id > after_id))
            )
        stmt = stmt.order_by(d.created_at, d.decision_id).limit(PAGE)
        with engine.connect() as conn, conn.begin():
            rows = conn.execute(stmt).all()
        for row in rows:
            yield str(row[2])
        if len(rows) < PAGE:
            return
        after_id, after_time = str(rows[-1][0]), rows[-1][1]
