"""Group commit: the write transactions of concurrent callers, committed together.

Every screen call ends in a short write transaction (the sender's standing is
read, the decision, its audit event and any strike are written). Alone, each
pays for its own ``BEGIN``, lock and commit, and on SQLite the writers of all
worker processes take turns on one database lock. Under load, many calls of
one process are waiting for that turn at the same moment; the first to get it
(the *leader*) runs the work of every caller waiting (up to ``max_batch``), in
arrival order, in **one** transaction, commits once and hands each caller its
own result. A caller returns only after the commit that holds its writes, so
what it acknowledges is durable exactly as before.

Works run one after another on the same connection: a later one sees what an
earlier one wrote (two messages of one sender in a batch: the second sees the
first's strike). If any work fails, or the commit does, the transaction is
rolled back and every work of the batch runs again alone, in its own
transaction, so one bad call fails only itself. Works must therefore be safe
to run twice (they only read and write through the connection they are given).

Callers that cannot block (the service's event loop) ``submit`` a work with a
callback instead, or await ``run_async``: a writer thread of the group, started
on first use, leads their batches, so an asynchronous caller costs no thread of
its own and no thread hop per call, only its share of one wake-up per batch.
Blocking and asynchronous callers share the same batches.

Before a shared batch runs, ``prepare(conn, works)`` (if given) may read ahead
what the works will all read: the store asks once for the standing of every
sender in the batch (``store/accounts.py``), instead of once per work.

Not a library's job: SQLAlchemy has no group commit; PostgreSQL's
``commit_delay`` batches WAL flushes only, and SQLite has nothing of the kind.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
Done = Callable[[T | None, BaseException | None], None]
"""Called with (result, None) or (None, error) when a submitted work is done."""
Prepare = Callable[[Connection, Sequence[Callable[[Connection], object]]], None]
"""Called in a shared transaction with its works, before the first runs."""

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Slot(Generic[T]):
    work: Callable[[Connection], T]
    wake: threading.Event = field(default_factory=threading.Event)
    """Set when the work is done, or when this caller is to lead the next batch."""
    result: T | None = None
    error: BaseException | None = None
    done: bool = False
    lead: bool = False
    callback: Done[T] | None = None
    """A submitted work's: no thread waits for it, so it cannot lead."""


class GroupCommit:
    """Run ``work(conn)`` inside a write transaction shared with concurrent callers."""

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Connection]],
        *,
        shared: Callable[[], AbstractContextManager[Connection]] | None = None,
        prepare: Prepare | None = None,
        max_batch: int = 64,
    ) -> None:
        """``transaction`` runs one work alone; ``shared`` (default: the same) runs
        several (the store's defers the rows nothing reads back to its end), after
        ``prepare`` (the store's reads ahead what they will read). A ``prepare``
        that fails fails nothing: every work of that batch then runs alone."""
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._transaction = transaction
        self._shared = shared or transaction
        self._prepare = prepare
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Slot[object]] = []
        self._leading = False
        self.batches = 0
        """Transactions committed (or tried) so far, for tests and metrics."""
        self.works = 0
        """Works run so far; ``works / batches`` is the mean batch size."""
        self._writer: threading.Thread | None = None
        self._writer_wake = threading.Event()
        self._writer_leads = False
        """Handed the lead: the writer thread is to commit the next batches."""
        self._closed = False

    @property
    def waiting(self) -> int:
        """Callers queued for the next transaction (not counting one running)."""
        with self._lock:
            return len(self._pending)

    def run(self, work: Callable[[Connection], T]) -> T:
        slot: _Slot[T] = _Slot(work)
        with self._lock:
            self._pending.append(slot)  # type: ignore[arg-type]
            slot.lead = not self._leading
            self._leading = True
        while not slot.done:
            if slot.lead:
                self._lead(slot)  # type: ignore[arg-type]
            else:
                # Only this caller's own event wakes it: when its work is done,
                # or when the leader hands it the next batch.
                slot.wake.wait()
                slot.wake.clear()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def submit(self, work: Callable[[Connection], T], done: Done[T]) -> None:
        """Queue ``work`` for the next transaction and return at once; ``done`` is
        called (on the thread that committed it) after that commit, or with the
        work's error. It must be quick and must not raise."""
        slot: _Slot[T] = _Slot(work, callback=done)
        with self._lock:
            if self._closed:
                raise RuntimeError("the group commit is closed")
            self._pending.append(slot)  # type: ignore[arg-type]
            if not self._leading:
                self._leading = True
                self._hand_lead(slot)  # type: ignore[arg-type]  # to the writer thread

    async def run_async(self, work: Callable[[Connection], T]) -> T:
        """``run`` for a coroutine: the event loop waits, no thread does."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def done(result: T | None, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_resolve, future, result, error)

        self.submit(work, done)
        return await future

    def close(self, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop the writer thread (if it started)."""
        with self._lock:
            self._closed = True
            writer = self._writer
        if writer is not None:
            self._writer_wake.set()
            writer.join(timeout)

    def _start_writer(self) -> None:
        if self._writer is None:  # under self._lock
            self._writer = threading.Thread(
                target=self._write_loop, name="fairgate-group-commit", daemon=True
            )
            self._writer.start()

    def _write_loop(self) -> None:
        while True:
            self._writer_wake.wait()
            self._writer_wake.clear()
            with self._lock:
                leads, self._writer_leads = self._writer_leads, False
            if leads:
                self._lead(None)
            with self._lock:
                if self._closed and not self._writer_leads:
                    self._writer = None  # a later hand-off starts another
                    return

    def _lead(self, mine: _Slot[object] | None) -> None:
        """Commit batches until this caller's work is in one (the writer thread:
        until none is queued), then hand the lead to the first caller still
        waiting (or give it up)."""
        while True:
            with self._lock:
                batch = self._pending[: self.max_batch]
                del self._pending[: len(batch)]
            finished = True
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    finished = not batch or (mine.done if mine is not None else not self._pending)
                    if finished:
                        if mine is not None:
                            mine.lead = False
                        if self._pending:
                            self._hand_lead(self._pending[0])
                        else:
                            self._leading = False
            if finished:
                return

    def _hand_lead(self, successor: _Slot[object]) -> None:
        """Under self._lock: the next batch is led by the caller waiting for it,
        or by the writer thread if that work was submitted."""
        if successor.callback is None:
            successor.lead = True
            successor.wake.set()
        else:
            self._writer_leads = True
            self._start_writer()
            self._writer_wake.set()

    def _commit(self, batch: list[_Slot[object]]) -> None:
        self.works += len(batch)
        if len(batch) == 1:
            self._alone(batch[0])
            return
        self.batches += 1
        try:
            with self._shared() as conn:
                if self._prepare is not None:
                    self._prepare(conn, [slot.work for slot in batch])
                results = [slot.work(conn) for slot in batch]
        except BaseException:
            for slot in batch:  # one at a time, so a failure is only its own
                self._alone(slot)
            return
        for slot, result in zip(batch, results, strict=True):
            _finish(slot, result, None)

    def _alone(self, slot: _Slot[object]) -> None:
        self.batches += 1
        try:
            with self._transaction() as conn:
                result = slot.work(conn)
        except BaseException as exc:
            _finish(slot, None, exc)
        else:
            _finish(slot, result, None)


def _finish(slot: _Slot[object], result: object, error: BaseException | None) -> None:
    slot.result, slot.error, slot.done = result, error, True
    if slot.callback is None:
        slot.wake.set()
        return
    try:
        slot.callback(result, error)
    except Exception:  # e.g. its event loop closed meanwhile: only that caller is lost
        log.exception("a group-commit callback failed")


def _resolve(future: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    if future.cancelled():  # the caller went away; its work is committed all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
