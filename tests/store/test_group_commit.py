"""Group commit (``SqlStore.group``): concurrent callers share one transaction,
each gets its own result or its own error, and what commits is whole — on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select

from fairgate.bench.processes import wait_until
from fairgate.errors import Conflict
from fairgate.store import SqlStore, audit_log
from fairgate.store import tables as t
from fairgate.store.group_commit import GroupCommit
from fairgate.types import Decision

HANG_GUARD_S = 20.0
AT = datetime(2026, 12, 1, tzinfo=UTC)


def in_one_batch(group: GroupCommit, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` (each ends in ``group.run``) from threads while a first work
    holds the transaction, so that all of them queue and then share the next one."""
    release = threading.Event()

    def hold(conn: Connection) -> None:
        release.wait(HANG_GUARD_S)

    leader = threading.Thread(target=group.run, args=(hold,))
    leader.start()
    wait_until(lambda: group.batches >= 1, HANG_GUARD_S, "the first transaction to start")
    results: list[Any] = [None] * len(calls)

    def call(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # handed back to the test
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    wait_until(lambda: group.waiting == len(calls), HANG_GUARD_S, "every call to queue")
    release.set()
    for thread in [leader, *threads]:
        thread.join(HANG_GUARD_S)
    return results


def _event(i: int) -> Callable[[Connection], int]:
    def work(conn: Connection) -> int:
        return audit_log.append(
            conn, kind="test", subject=f"s:{i}", actor="t", payload={"i": i}, at=AT
        ).seq

    return work


def test_waiting_callers_share_one_transaction_and_the_chain_holds(store: SqlStore) -> None:
    before = store.group.batches
    seqs = in_one_batch(store.group, [lambda i=i: store.group.run(_event(i)) for i in range(6)])
    assert store.group.batches - before == 2  # the holder's, then all six together
    assert sorted(seqs) == list(range(1, 7))
    assert audit_log.verify_database(store.engine).ok
    assert audit_log.count(store.engine) == 6


def test_a_failing_work_fails_alone_and_the_others_commit(store: SqlStore) -> None:
    def broken(conn: Connection) -> int:
        _event(99)(conn)  # written, then rolled back with its error
        raise ValueError("this call is bad")

    calls: list[Callable[[], Any]] = [lambda i=i: store.group.run(_event(i)) for i in range(4)]
    calls.insert(2, lambda: store.group.run(broken))
    results = in_one_batch(store.group, calls)
    assert isinstance(results[2], ValueError)
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3, 4]
    with store.read() as conn:
        subjects = set(conn.execute(select(t.audit_events.c.subject)).scalars())
    assert subjects == {"s:0", "s:1", "s:2", "s:3"}
    assert audit_log.verify_database(store.engine).ok


def test_a_duplicate_decision_in_a_batch_is_a_conflict_for_that_call_only(
    store: SqlStore, make_decision: Callable[..., Decision]
) -> None:
    def save(decision_id: str) -> Callable[[], None]:
        decision = make_decision(decision_id)
        return lambda: store.group.run(lambda conn: store.insert_decision(conn, decision))

    results = in_one_batch(store.group, [save("a"), save("b"), save("a")])
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    with store.read() as conn:
        stored = sorted(conn.execute(select(t.decisions.c.decision_id)).scalars())
    assert stored == ["a", "b"]
    assert audit_log.verify_database(store.engine).ok


def test_max_batch_bounds_a_transaction(store: SqlStore) -> None:
    store.group.max_batch = 2
    before = store.group.batches
    in_one_batch(store.group, [lambda i=i: store.group.run(_event(i)) for i in range(5)])
    assert store.group.batches - before == 1 + 3  # the holder, then 2 + 2 + 1


def test_max_batch_must_be_positive(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(store.transaction, max_batch=0)


def test_many_threads_many_works_every_caller_answered_once(store: SqlStore) -> None:
    """16 threads, 25 works each, every fifth failing: each caller gets its own
    seq or its own error, none hangs, and the chain is whole."""
    got: list[object] = []
    lock = threading.Lock()

    def caller(k: int) -> None:
        for j in range(25):
            i = k * 100 + j
            try:
                if j % 5 == 4:
                    store.group.run(lambda conn, i=i: (_event(i)(conn), 1 / 0))
                else:
                    seq = store.group.run(_event(i))
                    with lock:
                        got.append(seq)
            except ZeroDivisionError:
                with lock:
                    got.append("failed")

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD_S * 3)
        assert not thread.is_alive()
    seqs = sorted(s for s in got if isinstance(s, int))
    assert seqs == list(range(1, 16 * 20 + 1))
    assert got.count("failed") == 16 * 5
    assert audit_log.verify_database(store.engine).ok
