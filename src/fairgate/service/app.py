"""``create_app(settings)``: the HTTP API of one worker process.

On start the worker opens the database, loads every index, starts the change
feed (Redis when ``redis_url`` is set, database polling otherwise) and only
then reports ready on ``/readyz``. A list change made through this worker is
applied to its own indexes before the response returns and announced to the
others; the feed applies everyone else's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from fairgate.console.router import install as install_console
from fairgate.enforcement.accounts import Clock
from fairgate.engine import Engine
from fairgate.feed import ChangeFeed, PollingFeed, RedisFeed
from fairgate.service import errors
from fairgate.service.keys import KeyRing
from fairgate.service.limits import BodyLimit, Limiter, RateLimiter
from fairgate.service.metrics import Measure, Metrics
from fairgate.service.policy_watch import PolicyWatch
from fairgate.service.routers import accounts, admin, decisions, health, lists, reports, review
from fairgate.service.routers import screen as screen_router
from fairgate.service.shared_rate_limit import SharedRateLimiter
from fairgate.service.state import ServiceState
from fairgate.settings import Settings
from fairgate.webhooks.dispatcher import Dispatcher

API_DESCRIPTION = """
fairgate screens each message (text, images, text in images) and answers with a
Decision: the action, every reason with its evidence, the notice the sender is
shown, and the sender's standing. Every endpoint needs an API key
(`Authorization: Bearer fg_...`) of the role it names: `platform` (screen, file
appeals for users, read accounts), `reviewer` (review queue, appeals, lists,
reports) or `admin` (keys, policy; and all a reviewer may do).
"""


def make_feed(settings: Settings, engine: Engine, watch: PolicyWatch, keys: KeyRing) -> ChangeFeed:
    def apply() -> int:
        watch.check()
        keys.check_revocations()
        engine.indexes.refresh()
        return engine.indexes.seq

    latest = engine.store.last_change_seq
    if settings.redis_url:
        return RedisFeed(
            settings.redis_url,
            apply,
            latest,
            channel=settings.feed_channel,
            connected_poll_s=settings.feed_redis_poll_interval_s,
            disconnected_poll_s=settings.feed_poll_interval_s,
        )
    return PollingFeed(apply, latest, interval_s=settings.feed_poll_interval_s)


def make_limiter(settings: Settings) -> Limiter:
    rate, burst = settings.rate_limit_per_second, settings.rate_limit_burst
    if settings.redis_url and settings.rate_limit_shared:
        return SharedRateLimiter(
            settings.redis_url,
            rate=rate,
            burst=burst,
            prefix=settings.feed_channel,
            lease_seconds=settings.rate_limit_lease_seconds,
            retry_seconds=settings.rate_limit_retry_seconds,
        )
    return RateLimiter(rate=rate, burst=burst)


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Screening is CPU-bound Python: a few threads per worker keep the GIL
        # from being fought over by forty (the default), and latency steady.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.service_threads
        owned = engine is None
        running = engine or Engine.open(settings=settings, clock=clock)
        running.refresh_on_screen = False
        watch = PolicyWatch(running, settings.policy_path)
        keys = KeyRing(running.store, cache_seconds=settings.api_key_cache_seconds)
        feed = make_feed(settings, running, watch, keys)
        state = ServiceState(
            settings=settings,
            engine=running,
            keys=keys,
            feed=feed,
            limiter=make_limiter(settings),
            metrics=Metrics(),
            policy=watch,
        )

        def changed() -> None:
            # This worker's own change: apply it before answering, then tell the others.
            running.indexes.refresh()
            feed.publish(running.indexes.seq)

        running.store.on_changes.append(changed)
        # A revoked key: the other workers check the key table at once.
        keys.on_revoke.append(lambda: feed.publish(running.indexes.seq))
        app.state.fairgate = state
        running.indexes.refresh()  # load every index before reporting ready
        feed.start()
        # Webhook deliveries: every worker runs a dispatcher; a lease in the
        # database lets one at a time work, and none is on the request path.
        dispatcher = Dispatcher(running.store, settings) if settings.webhooks_enabled else None
        if dispatcher is not None:
            dispatcher.start()
        state.ready = True
        try:
            yield
        finally:
            state.ready = False
            if dispatcher is not None:
                dispatcher.stop()
                dispatcher.close()
            feed.stop()
            state.limiter.close()
            running.store.on_changes.remove(changed)
            if owned:
                running.close()

    app = FastAPI(
        title="fairgate",
        version="1",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # fairgate's own Prometheus /metrics count requests; FastAPI's built-in
        # OpenTelemetry checks three providers on every request to find none.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    errors.install(app)

    for module in (screen_router, decisions, review, accounts, lists, reports, admin, health):
        app.include_router(module.router)
    app.router.routes[0:0] = screen_router.fast_routes()  # see routers/screen.py
    install_console(app)
    app.add_middleware(Measure)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app
