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

Not a library's job: SQLAlchemy has no group commit; PostgreSQL's
``commit_delay`` batches WAL flushes only, and SQLite has nothing of the kind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")


@dataclass(slots=True)
class _Slot(Generic[T]):
    work: Callable[[Connection], T]
    wake: threading.Event = field(default_factory=threading.Event)
    """Set when the work is done, or when this caller is to lead the next batch."""
    result: T | None = None
    error: BaseException | None = None
    done: bool = False
    lead: bool = False


class GroupCommit:
    """Run ``work(conn)`` inside a write transaction shared with concurrent callers."""

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Connection]],
        *,
        shared: Callable[[], AbstractContextManager[Connection]] | None = None,
        max_batch: int = 64,
    ) -> None:
        """``transaction`` runs one work alone; ``shared`` (default: the same) runs
        several (the store's defers the rows nothing reads back to its end)."""
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._transaction = transaction
        self._shared = shared or transaction
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Slot[object]] = []
        self._leading = False
        self.batches = 0
        """Transactions committed (or tried) so far, for tests and metrics."""
        self.works = 0
        """Works run so far; ``works / batches`` is the mean batch size."""

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

    def _lead(self, mine: _Slot[object]) -> None:
        """Commit batches until this caller's work is in one, then hand the lead
        to the first caller still waiting (or give it up)."""
        while True:
            with self._lock:
                batch = self._pending[: self.max_batch]
                del self._pending[: len(batch)]
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    if mine.done or not batch:
                        mine.lead = False
                        if self._pending:
                            successor = self._pending[0]
                            successor.lead = True
                            successor.wake.set()
                        else:
                            self._leading = False
            if not mine.lead:
                return

    def _commit(self, batch: list[_Slot[object]]) -> None:
        self.works += len(batch)
        if len(batch) == 1:
            self._alone(batch[0])
            return
        self.batches += 1
        try:
            with self._shared() as conn:
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
    slot.wake.set()
