"""One SQLite writer across processes, queued in the kernel.

SQLite lets one connection write at a time. When ``fairgate serve --workers N``
runs N processes on one database file, a writer that finds the database
locked waits in SQLite's busy handler, which sleeps and retries in steps of up
to 100 ms: under load the lock is often free long before the sleeper wakes,
and the tail latency is those sleeps. Writers of fairgate processes take an
exclusive ``flock`` on a lock file beside the database first: the kernel hands
the lock to the next waiter the moment it is released, and SQLite then finds
the database free. (A program other than fairgate writing the same file still
meets the busy handler, as before.)

Not a library's job: ``filelock`` polls too (``poll_interval``); ``fcntl.flock``
blocks in the kernel and releases the GIL while it waits.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]


class WriterFileLock:
    """Exclusive ``flock`` on ``<database>-writer.lock``, held while a thread of this
    process writes. Re-entrant within one thread (nested write transactions)."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writer.lock")
        self._fd: int | None = None
        self._owner: int | None = None
        self._depth = 0
        self._guard = threading.Lock()
        """Threads of this process queue here; only the holder touches the flock."""

    def __enter__(self) -> WriterFileLock:
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return self
        self._guard.acquire()
        try:
            if fcntl is not None:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._guard.release()
            raise
        self._owner, self._depth = me, 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return
        self._owner = None
        try:
            if fcntl is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._guard.release()

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
