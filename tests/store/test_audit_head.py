"""audit_log.append remembers the head it wrote for the rest of its transaction
(one head query per transaction, not per event) — and forgets it when a
savepoint it wrote under is rolled back, or in the next transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from fairgate.store import SqlStore, audit_log

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _append(conn: Connection, i: int) -> int:
    return audit_log.append(
        conn, kind="test", subject=f"s:{i}", actor="t", payload={"i": i}, at=AT
    ).seq


def test_many_events_in_one_transaction_chain_in_order(store: SqlStore) -> None:
    with store.transaction() as conn:
        seqs = [_append(conn, i) for i in range(3)]
    with store.transaction() as conn:
        seqs.append(_append(conn, 3))
    assert seqs == [1, 2, 3, 4]
    assert audit_log.verify_database(store.engine).ok


def test_an_event_under_a_rolled_back_savepoint_leaves_no_gap(store: SqlStore) -> None:
    with store.transaction() as conn:
        assert _append(conn, 0) == 1
        savepoint = conn.begin_nested()
        assert _append(conn, 1) == 2
        savepoint.rollback()
        assert _append(conn, 2) == 2
    result = audit_log.verify_database(store.engine)
    assert result.ok
    assert result.checked == 2


def test_a_rolled_back_transaction_leaves_no_gap(store: SqlStore) -> None:
    try:
        with store.transaction() as conn:
            _append(conn, 0)
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    with store.transaction() as conn:
        assert _append(conn, 1) == 1
    assert audit_log.verify_database(store.engine).ok
