"""What a screening signal's key stands for, until its index looks it up.

The expensive visual signal types (local features, thumbnails) do not put the
sent image's data in the Signal: its value is a short key (a sha256 prefix),
which is what the Decision stores, and the data stays here, in a small
thread-safe cache, for the index to resolve during the same screen call. The
newest ``size`` keys are kept; an evicted key resolves to None (no match).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")

SIZE = 64
"""Keys kept per signal type: far more than the images screened at once."""


class QueryCache(Generic[T]):
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)
