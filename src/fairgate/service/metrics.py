"""Prometheus metrics of one worker: requests, latency, decisions, index sizes,
feed lag. Each app gets its own registry (several apps in one test process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fairgate_http_requests",
            "HTTP requests by route, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "fairgate_http_request_seconds",
            "HTTP request latency by route.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "fairgate_decisions",
            "Screening decisions by action and top rule.",
            ("action", "rule"),
            registry=self.registry,
        )
        self.index_entries = Gauge(
            "fairgate_index_entries",
            "Active entries in this worker's index by signal type.",
            ("signal_type",),
            registry=self.registry,
        )
        self.feed_lag = Gauge(
            "fairgate_feed_lag_changes",
            "List changes committed but not yet applied by this worker.",
            registry=self.registry,
        )
        self.feed_connected = Gauge(
            "fairgate_feed_connected",
            "1 if the Redis change feed is subscribed (always 1 when polling).",
            registry=self.registry,
        )

        self.write_transactions = Gauge(
            "fairgate_write_transactions",
            "Screen-call write transactions this worker committed (or tried) so far.",
            registry=self.registry,
        )
        self.write_calls = Gauge(
            "fairgate_write_calls",
            "Screen calls whose writes those transactions carried (calls / transactions: "
            "the mean group-commit batch).",
            registry=self.registry,
        )

    def observe(self, route: str, method: str, status: int, started: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(time.perf_counter() - started)

    def render(self, refresh: Callable[[], None]) -> bytes:
        refresh()
        return generate_latest(self.registry)


class Measure:
    """Pure ASGI middleware: counts each request by route template, method and
    status, and times it (no BaseHTTPMiddleware, which costs per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            app = scope.get("app")
            state = getattr(getattr(app, "state", None), "fairgate", None)
            if state is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                state.metrics.observe(route, scope.get("method", ""), status, started)
