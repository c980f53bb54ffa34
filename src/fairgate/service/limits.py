"""Request size limits (413) and per-key rate limits (429), with a reason.

The size limit is an ASGI middleware that refuses a declared ``Content-Length``
over the limit at once and counts streamed bytes for chunked bodies, so a
client cannot make a worker buffer more than the limit. ``RateLimiter`` is a
token bucket per API key in this worker's memory: with N workers a key gets up
to N times the rate. With Redis the buckets are shared by all workers
(``shared_rate_limit.SharedRateLimiter``, which falls back to this one while
Redis is unreachable); both are a ``Limiter``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if length > self.max_bytes:
                await _refuse(
                    send, 413, f"request body is {length} bytes; the limit is {self.max_bytes}"
                )
                return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(
                    send, 413, f"request body is over the limit of {self.max_bytes} bytes"
                )


class Limiter(Protocol):
    """Per-key rate limits: ``admit`` answers 0 (go ahead) or the seconds to wait."""

    rate: float
    scope: str
    """Where the rate holds, for the 429's reason: "on this worker", "across all workers"."""

    async def admit(self, key_id: int) -> float: ...

    def close(self) -> None: ...


class RateLimiter:
    """Token buckets by key id: ``rate`` requests a second, bursts of ``burst``."""

    scope = "on this worker"

    def __init__(self, *, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key_id] = (tokens - 1, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1 - tokens) / self.rate

    async def admit(self, key_id: int) -> float:
        return self.take(key_id)

    def close(self) -> None:
        """Nothing to release: the buckets are in memory."""
