"""SQLite writers of several fairgate processes queue on a kernel file lock
(``store/file_lock.py``) instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from fairgate.store import open_store
from fairgate.store.file_lock import WriterFileLock

HANG_GUARD_S = 20.0

HOLDER = """
import sys
from pathlib import Path
from fairgate.store.file_lock import WriterFileLock
lock = WriterFileLock(Path(sys.argv[1]))
with lock:
    print("locked", flush=True)
    sys.stdin.readline()  # hold until the test says so
print("released", flush=True)
"""


def test_a_writer_waits_for_another_process_and_gets_the_lock_when_it_lets_go(
    tmp_path: Path,
) -> None:
    database = tmp_path / "x.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdin is not None
        assert holder.stdout.readline().strip() == "locked"
        got = threading.Event()

        def take() -> None:
            with WriterFileLock(database):
                got.set()

        waiter = threading.Thread(target=take, daemon=True)
        waiter.start()
        # While the other process holds it, this one cannot have it.
        assert not got.wait(0.5)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert got.wait(HANG_GUARD_S)
        waiter.join(HANG_GUARD_S)
    finally:
        holder.kill()
        holder.wait(HANG_GUARD_S)


def test_the_lock_is_reentrant_within_a_thread_and_exclusive_between_threads(
    tmp_path: Path,
) -> None:
    lock = WriterFileLock(tmp_path / "y.db")
    other_got = threading.Event()

    def other() -> None:
        with lock:
            other_got.set()

    with lock:
        with lock:  # nested write transaction of the same thread
            pass
        thread = threading.Thread(target=other, daemon=True)
        thread.start()
        assert not other_got.wait(0.3)  # still held by the outer block
    assert other_got.wait(HANG_GUARD_S)
    thread.join(HANG_GUARD_S)
    lock.close()


def test_a_file_database_store_uses_a_lock_file_beside_it(tmp_path: Path) -> None:
    database = tmp_path / "z.db"
    with open_store(f"sqlite:///{database}") as store, store.transaction():
        pass
    assert (tmp_path / "z.db-writer.lock").exists()
