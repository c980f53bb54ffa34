"""Per-key rate limits shared by every worker, through Redis.

Each key's token bucket lives in Redis (a hash: tokens and the time of the
last refill, refilled and drawn from by one Lua script, so two workers never
both spend the same token; the time is Redis's own, so workers' clocks do not
matter). A worker does not ask Redis per request: it leases up to
``rate x lease_seconds`` tokens at a time and spends them in memory, so Redis
sees one call per lease, made in the thread pool (the event loop never waits
on the network), and one at a time per key. A key found over its rate is
answered 429 without Redis until the time Redis said a token will be there
(other workers only take tokens, so none can appear sooner). The deployment as
a whole can admit at most one unspent lease per worker over the rate; a lease a
worker does not spend is lost to the others for about ``lease_seconds``.

While Redis cannot be reached the worker falls back to its own in-memory bucket
(``RateLimiter``: each worker then admits the full rate) and tries Redis again
after ``retry_seconds``; it logs each switch.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import cast

import redis
from starlette.concurrency import run_in_threadpool

from fairgate.service.limits import RateLimiter

log = logging.getLogger("fairgate.service")

# KEYS[1]: the bucket; ARGV: rate (tokens/s), burst, tokens wanted.
# Returns {granted, seconds until one token is there (a string: Lua numbers
# come back from Redis as integers)}.
_LEASE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(1000 * burst / rate) + 1000)
if granted >= 1 then
  return {granted, '0'}
end
return {0, tostring((1 - tokens) / rate)}
"""


class SharedRateLimiter:
    """Token buckets by key id in Redis: ``rate`` requests a second across all
    workers, bursts of ``burst``."""

    scope = "across all workers"

    def __init__(
        self,
        url: str,
        *,
        rate: float,
        burst: float,
        prefix: str,
        lease_seconds: float,
        retry_seconds: float,
        timeout_seconds: float = 0.5,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._prefix = prefix
        self._lease = max(1, min(int(burst), int(rate * lease_seconds)))
        self._retry_seconds = retry_seconds
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._script = self._client.register_script(_LEASE)
        self._local = RateLimiter(rate=rate, burst=burst)
        self._leased: dict[int, int] = {}
        """Tokens of this worker's leases not yet spent, by key."""
        self._empty_until: dict[int, float] = {}
        """By key: the bucket had no token, and will have none before this time."""
        self._leasing: dict[int, asyncio.Lock] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0
        """While ``time.monotonic()`` is before this, Redis is not asked (it failed)."""
        self._failed = False

    @property
    def shared(self) -> bool:
        """Whether the last word from Redis was an answer (not an error)."""
        return time.monotonic() >= self._down_until

    async def admit(self, key_id: int) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        answer = self._answer_here(key_id)
        if answer is not None:
            return answer
        # One lease request per key at a time: callers that arrive meanwhile wait
        # for it and spend from it, instead of each asking Redis.
        async with self._leasing.setdefault(key_id, asyncio.Lock()):
            answer = self._answer_here(key_id)
            if answer is not None:
                return answer
            try:
                granted, wait = await run_in_threadpool(self._take_lease, key_id)
            except redis.RedisError as exc:
                self._down_until = time.monotonic() + self._retry_seconds
                self._failed = True
                log.warning(
                    "rate limits: Redis unreachable (%s); each worker limits on its own for %g s",
                    exc,
                    self._retry_seconds,
                )
                return self._local.take(key_id)
            if self._failed:
                self._failed = False
                log.warning("rate limits: Redis answers again; the limits are shared")
            with self._lock:
                if granted < 1:
                    # No token anywhere before then: other workers only take from the
                    # bucket, so answer 429 here until then without asking Redis.
                    self._empty_until[key_id] = time.monotonic() + wait
                    return wait
                self._leased[key_id] = self._leased.get(key_id, 0) + granted - 1
            return 0.0

    def _answer_here(self, key_id: int) -> float | None:
        """The answer without Redis, if there is one: a token of this worker's lease,
        the wait while the bucket is known to be empty, or the worker's own bucket
        while Redis is unreachable."""
        now = time.monotonic()
        with self._lock:
            if self._leased.get(key_id, 0) >= 1:
                self._leased[key_id] -= 1
                return 0.0
            empty_until = self._empty_until.get(key_id, 0.0)
            if now < empty_until:
                return empty_until - now
        if not self.shared:
            return self._local.take(key_id)
        return None

    def _take_lease(self, key_id: int) -> tuple[int, float]:
        reply = cast(
            "list[bytes | int]",
            self._script(
                keys=[f"{self._prefix}:rate:{key_id}"],
                args=[repr(self.rate), repr(self.burst), self._lease],
            ),
        )
        granted, wait = reply
        return int(granted), float(wait)

    def close(self) -> None:
        self._client.close()
