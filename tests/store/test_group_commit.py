"""Group commit (``SqlStore.group``): concurrent callers share one transaction,
each gets its own result or its own error, and what commits is whole — on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select

from fairgate.bench.processes import wait_until
from fairgate.errors import Conflict
from fairgate.store import SqlStore, audit_log, open_store
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


def test_prepare_sees_each_shared_batch_before_its_works_run(store: SqlStore) -> None:
    """The hook a store reads ahead with: called once per shared batch, inside its
    transaction, with exactly that batch's works in order, before any runs."""
    seen: list[tuple[list[object], int]] = []

    def prepare(conn: Connection, works: Any) -> None:
        seen.append((list(works), audit_log.count(store.engine)))

    group = GroupCommit(store.transaction, prepare=prepare)
    works = [_event(i) for i in range(5)]
    in_one_batch(group, [lambda w=w: group.run(w) for w in works])
    # the holder ran alone (no hook); the five shared one transaction
    assert [batch for batch, _ in seen] == [works]
    assert seen[0][1] == 0  # nothing of the batch was written yet


def test_a_failing_prepare_fails_no_work(store: SqlStore) -> None:
    def prepare(conn: Connection, works: Any) -> None:
        raise RuntimeError("read-ahead broke")

    group = GroupCommit(store.transaction, prepare=prepare)
    before = group.batches
    seqs = in_one_batch(group, [lambda i=i: group.run(_event(i)) for i in range(4)])
    assert sorted(seqs) == [1, 2, 3, 4]
    assert group.batches - before == 1 + 1 + 4  # the holder, the failed batch, each alone
    assert audit_log.verify_database(store.engine).ok


# -- submitted works: the event loop's way in (no thread per caller) -----------


def test_coroutines_awaiting_run_async_share_batches(store: SqlStore) -> None:
    async def main() -> list[int]:
        calls = (store.group.run_async(_event(i)) for i in range(40))
        return await asyncio.wait_for(asyncio.gather(*calls), HANG_GUARD_S)

    before = store.group.batches
    got = asyncio.run(main())
    assert sorted(got) == list(range(1, 41))
    # the writer thread took them in batches: far fewer transactions than calls
    assert store.group.batches - before <= 10
    assert audit_log.verify_database(store.engine).ok


def test_a_failing_submitted_work_fails_only_its_own_coroutine(store: SqlStore) -> None:
    async def main() -> list[object]:
        async def one(i: int) -> object:
            if i % 4 == 3:
                try:
                    await store.group.run_async(lambda conn: (_event(i)(conn), 1 / 0))
                except ZeroDivisionError:
                    return "failed"
            return await store.group.run_async(_event(i))

        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(40))), HANG_GUARD_S)

    got = asyncio.run(main())
    assert got.count("failed") == 10
    assert sorted(s for s in got if isinstance(s, int)) == list(range(1, 31))
    assert audit_log.verify_database(store.engine).ok


def test_submitted_and_blocking_callers_join_one_batch(store: SqlStore) -> None:
    done: list[tuple[object, object]] = []
    finished = threading.Event()

    def callback(result: object, error: BaseException | None) -> None:
        done.append((result, error))
        if len(done) == 3:
            finished.set()

    calls: list[Callable[[], Any]] = [lambda i=i: store.group.run(_event(i)) for i in range(3)]
    calls += [lambda i=i: store.group.submit(_event(10 + i), callback) for i in range(3)]
    before = store.group.batches
    results = in_one_batch(store.group, calls)
    assert finished.wait(HANG_GUARD_S)
    assert store.group.batches - before == 2  # the holder's, then all six together
    assert all(e is None for _, e in done)
    seqs = sorted(r for r in [*results, *(r for r, _ in done)] if isinstance(r, int))
    assert seqs == list(range(1, 7))
    assert audit_log.verify_database(store.engine).ok


def test_a_blocking_leader_hands_submitted_works_to_the_writer_thread(store: SqlStore) -> None:
    """Submitted while a blocking caller leads: committed after it, by the writer."""
    release = threading.Event()
    done = threading.Event()
    got: list[object] = []

    def hold(conn: Connection) -> int:
        release.wait(HANG_GUARD_S)
        return _event(0)(conn)

    leader = threading.Thread(target=store.group.run, args=(hold,))
    leader.start()
    wait_until(lambda: store.group.batches >= 1, HANG_GUARD_S, "the holder to start")

    def callback(result: object, error: BaseException | None) -> None:
        got.append(error or result)
        done.set()

    store.group.submit(_event(1), callback)
    release.set()
    leader.join(HANG_GUARD_S)
    assert done.wait(HANG_GUARD_S)
    assert got == [2]


def test_a_failing_callback_does_not_stop_the_group(store: SqlStore) -> None:
    def broken(result: object, error: BaseException | None) -> None:
        raise RuntimeError("the caller's loop is gone")

    store.group.submit(_event(0), broken)
    assert store.group.run(_event(1)) == 2


def test_close_commits_what_was_submitted_then_refuses_more(db_url: str) -> None:
    store = open_store(db_url)
    got: list[object] = []
    for i in range(5):
        store.group.submit(_event(i), lambda result, error: got.append(error or result))
    store.close()
    assert sorted(r for r in got if isinstance(r, int)) == [1, 2, 3, 4, 5]
    with pytest.raises(RuntimeError, match="closed"):
        store.group.submit(_event(9), lambda result, error: None)
