"""With Redis, a key's rate limit holds across all workers: they draw from one
bucket in Redis, a lease of tokens at a time; while Redis is unreachable each
worker limits on its own, and shares again once Redis answers."""

from __future__ import annotations

import anyio
import pytest
import redis
from fastapi.testclient import TestClient
from tests.service.conftest import make_keys

from fairgate.bench.processes import RedisServer, free_port, wait_until
from fairgate.service.app import create_app
from fairgate.service.limits import RateLimiter
from fairgate.service.shared_rate_limit import SharedRateLimiter
from fairgate.settings import Settings


def _limiter(
    url: str, *, rate: float, burst: float, lease_seconds: float = 0.05, retry: float = 60.0
) -> SharedRateLimiter:
    return SharedRateLimiter(
        url,
        rate=rate,
        burst=burst,
        prefix="test",
        lease_seconds=lease_seconds,
        retry_seconds=retry,
        timeout_seconds=0.5,
    )


def _admitted(limiter: SharedRateLimiter | RateLimiter, key_id: int, times: int) -> int:
    return sum(1 for _ in range(times) if anyio.run(limiter.admit, key_id) == 0)


def _tokens(server: RedisServer, key_id: int) -> float:
    client = redis.Redis.from_url(server.url)
    try:
        value = client.hget(f"test:rate:{key_id}", "tokens")
    finally:
        client.close()
    if value is None:
        raise AssertionError("no bucket in Redis")
    return float(value)


def test_two_workers_draw_from_one_bucket(redis_server: RedisServer) -> None:
    a = _limiter(redis_server.url, rate=0.001, burst=10)
    b = _limiter(redis_server.url, rate=0.001, burst=10)
    admitted = sum(_admitted(limiter, 7, 1) for _ in range(15) for limiter in (a, b))
    assert admitted == 10  # one burst between them; each worker alone would admit 10
    wait = anyio.run(a.admit, 7)
    assert wait > 100  # a token comes back every 1,000 s
    assert _admitted(a, 8, 1) == 1  # another key has its own bucket
    separate = RateLimiter(rate=0.001, burst=10), RateLimiter(rate=0.001, burst=10)
    assert sum(_admitted(limiter, 7, 15) for limiter in separate) == 20
    a.close()
    b.close()


def test_a_worker_spends_its_lease_without_asking_redis(redis_server: RedisServer) -> None:
    # rate 10/s, leases of 5 s: 50 tokens at a time out of a burst of 200.
    a = _limiter(redis_server.url, rate=10, burst=200, lease_seconds=5)
    b = _limiter(redis_server.url, rate=10, burst=200, lease_seconds=5)
    assert _admitted(a, 1, 1) == 1
    assert 150 <= _tokens(redis_server, 1) < 152  # a took one lease (refill: 10/s)
    assert _admitted(b, 1, 1) == 1
    assert 100 <= _tokens(redis_server, 1) < 103
    assert _admitted(a, 1, 49) == 49  # the rest of a's lease: Redis is not asked
    assert 100 <= _tokens(redis_server, 1) < 105
    assert _admitted(a, 1, 1) == 1  # a new lease
    assert 50 <= _tokens(redis_server, 1) < 57
    a.close()
    b.close()


def test_without_redis_each_worker_limits_alone_then_shares_again(
    redis_server: RedisServer,
) -> None:
    limiter = _limiter(redis_server.url, rate=0.001, burst=3, retry=0.2)
    redis_server.stop()
    assert _admitted(limiter, 1, 5) == 3  # the worker's own bucket, no error
    assert not limiter.shared
    redis_server.start()  # empty: it kept nothing
    wait_until(lambda: limiter.shared, 10, "the retry time to pass")
    assert _admitted(limiter, 2, 1) == 1
    assert _tokens(redis_server, 2) == pytest.approx(2, abs=0.01)  # the bucket is in Redis
    limiter.close()


def test_workers_answer_429_for_the_key_across_both(
    settings: Settings, redis_server: RedisServer
) -> None:
    slow = settings.model_copy(
        update={
            "rate_limit_per_second": 0.001,
            "rate_limit_burst": 4.0,
            "redis_url": redis_server.url,
        }
    )
    keys = make_keys(slow.database_url)
    headers = {"Authorization": f"Bearer {keys['platform']}"}
    with TestClient(create_app(slow)) as one, TestClient(create_app(slow)) as two:
        codes = [
            client.get("/v1/accounts/u1", headers=headers).status_code
            for _ in range(4)
            for client in (one, two)
        ]
        assert codes.count(200) == 4
        assert codes.count(429) == 4
        limited = two.get("/v1/accounts/u1", headers=headers)
        assert limited.status_code == 429
        assert "across all workers" in limited.json()["detail"]
        assert int(limited.headers["Retry-After"]) >= 1


def test_an_unreachable_redis_is_asked_once_per_retry_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limiter = _limiter(f"redis://127.0.0.1:{free_port()}/0", rate=1000, burst=1000, retry=60)
    asked: list[int] = []
    take_lease = limiter._take_lease

    def counting(key_id: int) -> tuple[int, float]:
        asked.append(key_id)
        return take_lease(key_id)

    monkeypatch.setattr(limiter, "_take_lease", counting)
    assert _admitted(limiter, 1, 100) == 100
    assert asked == [1]  # the first call failed; the next 99 did not try Redis
    limiter.close()


def _counting_leases(limiter: SharedRateLimiter, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    asked: list[int] = []
    take_lease = limiter._take_lease

    def counting(key_id: int) -> tuple[int, float]:
        asked.append(key_id)
        return take_lease(key_id)

    monkeypatch.setattr(limiter, "_take_lease", counting)
    return asked


def test_callers_at_once_share_one_lease_request(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rate 10/s, leases of 0.5 s: 5 tokens a lease.
    limiter = _limiter(redis_server.url, rate=10, burst=100, lease_seconds=0.5)
    asked = _counting_leases(limiter, monkeypatch)

    async def twenty_at_once() -> list[float]:
        answers: list[float] = []

        async def one() -> None:
            answers.append(await limiter.admit(3))

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(one)
        return answers

    assert anyio.run(twenty_at_once) == [0.0] * 20
    assert len(asked) == 4  # 20 callers, 5 tokens a lease: 4 requests, not 20
    limiter.close()


def test_a_key_over_its_rate_is_answered_without_redis_until_a_token_is_due(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = _limiter(redis_server.url, rate=0.001, burst=2)
    asked = _counting_leases(limiter, monkeypatch)
    assert _admitted(limiter, 5, 2) == 2
    waits = [anyio.run(limiter.admit, 5) for _ in range(50)]
    assert all(wait > 100 for wait in waits)
    assert len(asked) == 3  # two tokens, then one "empty until" answer for all 50
    limiter.close()
