"""FAISS's OpenMP thread count, in every thread that searches.

OpenMP keeps the thread count per calling thread: ``faiss.omp_set_num_threads``
in the thread that opened the engine leaves every other thread (the service's
thread pool, a library user's workers) at the default of one OpenMP thread per
core. Measured on this 2-core machine: a screening thread of ``fairgate serve``
ran each small FAISS search with 2 OpenMP threads spinning, and a pre-hashed
image cost 5-14 ms of CPU instead of about 1. So the count is set once per
process (``configure``) and applied lazily in each thread before its first
search (``apply``): one thread-local check per search.
"""

from __future__ import annotations

import threading

import faiss

_wanted = 1
_applied = threading.local()


def configure(threads: int) -> None:
    """The OpenMP threads every FAISS search of this process uses from now on."""
    global _wanted
    if threads < 1:
        raise ValueError("FAISS needs at least one thread")
    _wanted = threads
    apply()


def apply() -> None:
    """Give the calling thread the configured count (cheap when it has it)."""
    if getattr(_applied, "threads", None) != _wanted:
        faiss.omp_set_num_threads(_wanted)
        _applied.threads = _wanted


def configured() -> int:
    return _wanted
