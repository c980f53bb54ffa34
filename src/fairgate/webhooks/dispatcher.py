"""The webhook dispatcher: tails the audit log and delivers, in its own thread
(or ``fairgate webhooks run``), never in the screening path.

Screening only writes the audit event it always writes; everything here reads
that log later. Several processes may run a dispatcher: the lease on the
``webhooks`` cursor lets one of them work at a time (the others' ``run_once``
does nothing), and a dead holder's lease expires after ``webhook_lease_s``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select

from fairgate.errors import FairgateError
from fairgate.settings import Settings
from fairgate.store import SqlStore
from fairgate.store import tables as t
from fairgate.webhooks import cursor, delivery_store, endpoint_store, fanout
from fairgate.webhooks.backoff import Backoff
from fairgate.webhooks.endpoints import host_allowed
from fairgate.webhooks.records import DELIVERED, FAILED, PENDING, Delivery, Endpoint
from fairgate.webhooks.sender import Attempt, send
from fairgate.webhooks.tx import Clock, read, utc_now, write

CURSOR = "webhooks"
log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunResult:
    """What one :meth:`Dispatcher.run_once` did."""

    leased: bool = False
    events: int = 0
    enqueued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    """Due deliveries left for the next round because their endpoint already failed in this one."""
    position: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "leased": self.leased,
            "events": self.events,
            "enqueued": self.enqueued,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped": self.skipped,
            "position": self.position,
        }


class Dispatcher:
    def __init__(
        self,
        store: SqlStore,
        settings: Settings,
        *,
        clock: Clock | None = None,
        client: httpx.Client | None = None,
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock or utc_now
        self.backoff = Backoff.from_settings(settings)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._client = client or httpx.Client(
            timeout=settings.webhook_timeout_s, follow_redirects=False
        )
        self._owns_client = client is None
        self._lease_until: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one round -----------------------------------------------------------
    def run_once(self) -> RunResult:
        """Take (or renew) the lease; if held, enqueue deliveries for every new
        audit event, then make every due attempt once. Without the lease: nothing."""
        result = RunResult()
        if not self._acquire():
            return result
        result.leased = True
        try:
            self._fan_out(result)
            self._deliver(result)
        except fanout.LeaseLost:
            log.warning("webhooks: lease on the cursor lost to another dispatcher")
            result.leased = False
        return result

    def _acquire(self) -> bool:
        now = self.clock()
        until = now + timedelta(seconds=self.settings.webhook_lease_s)
        with write(self.store.engine) as conn:
            held = cursor.acquire(conn, CURSOR, holder=self.holder, now=now, until=until)
        self._lease_until = until if held else None
        return held

    def _fan_out(self, result: RunResult) -> None:
        batch = self.settings.webhook_batch
        while True:
            with write(self.store.engine) as conn:
                done = fanout.step(conn, CURSOR, holder=self.holder, now=self.clock(), batch=batch)
            result.events += done.events
            result.enqueued += done.deliveries
            result.position = done.end
            if done.events < batch:
                return
            self._acquire_or_raise()

    def _deliver(self, result: RunResult) -> None:
        failing: set[int] = set()
        while not self._stop.is_set():
            with read(self.store.engine) as conn:
                due = delivery_store.due(conn, now=self.clock(), limit=self.settings.webhook_batch)
                endpoints = {e.id: e for e in endpoint_store.listing(conn)}
            fresh = [d for d in due if d.endpoint_id not in failing]
            result.skipped = len(due) - len(fresh)
            if not fresh:
                return
            for delivery in fresh:
                if self._stop.is_set():
                    return
                endpoint = endpoints.get(delivery.endpoint_id)
                if endpoint is None or delivery.endpoint_id in failing:
                    continue
                self._acquire_or_raise()
                outcome = self._attempt(delivery, endpoint)
                if outcome is None:
                    continue
                if outcome == DELIVERED:
                    result.delivered += 1
                    continue
                failing.add(delivery.endpoint_id)
                if outcome == FAILED:
                    result.failed += 1
                else:
                    result.retrying += 1

    def _attempt(self, delivery: Delivery, endpoint: Endpoint) -> str | None:
        """One claimed attempt; its outcome, or None if another dispatcher claimed it."""
        now = self.clock()
        attempts = delivery.attempts + 1
        guard = now + max(
            self.backoff.delay(attempts),
            timedelta(seconds=self.settings.webhook_timeout_s * 2),
        )
        with write(self.store.engine) as conn:
            if not delivery_store.claim(
                conn, delivery.id, attempts=delivery.attempts, at=now, retry_at=guard
            ):
                return None
        if host_allowed(urlsplit(endpoint.url).hostname, self.settings.webhook_allowed_hosts):
            attempt = send(
                self._client, endpoint.url, delivery, endpoint.secret, int(now.timestamp())
            )
        else:  # registered before the allow-list was set: never fetched
            attempt = Attempt(False, None, "host is not on webhook_allowed_hosts")
            attempts = self.settings.webhook_max_attempts
        if attempt.ok:
            status, next_at = DELIVERED, None
        elif self.backoff.exhausted(attempts):
            status, next_at = FAILED, None
        else:
            status, next_at = PENDING, now + self.backoff.delay(attempts)
        with write(self.store.engine) as conn:
            delivery_store.record(
                conn,
                delivery.id,
                status=status,
                next_attempt_at=next_at,
                status_code=attempt.status_code,
                error=attempt.error,
            )
        return status

    def _acquire_or_raise(self) -> None:
        """Renew the lease once half of it has passed; ``LeaseLost`` if it is gone."""
        half = timedelta(seconds=self.settings.webhook_lease_s / 2)
        if self._lease_until is not None and self.clock() < self._lease_until - half:
            return
        if not self._acquire():
            raise fanout.LeaseLost(CURSOR)

    # -- the loop ------------------------------------------------------------
    def run_forever(self) -> None:
        """Rounds every ``webhook_poll_interval_s`` until :meth:`stop`; a database
        or network problem is logged and the next round tries again."""
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except FairgateError as exc:
                    log.warning("webhooks: round failed: %s", exc)
                except Exception:  # keep dispatching; the next round starts afresh
                    log.exception("webhooks: round failed")
                self._stop.wait(self.settings.webhook_poll_interval_s)
        finally:
            self._release()

    def start(self) -> None:
        """Dispatch in a background daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run_forever, name="fairgate-webhooks", daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the loop to end after the attempt in flight (safe in a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float | None = None) -> None:
        """Finish the attempt in flight, release the lease, stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self._release()

    def close(self) -> None:
        self.stop()
        if self._owns_client:
            self._client.close()

    def _release(self) -> None:
        try:
            with write(self.store.engine) as conn:
                cursor.release(conn, CURSOR, holder=self.holder)
        except FairgateError as exc:  # pragma: no cover - the lease expires anyway
            log.warning("webhooks: could not release the lease: %s", exc)

    def position(self) -> int:
        with read(self.store.engine) as conn:
            state = cursor.state(conn, CURSOR)
        return state.position if state else 0


def lag(store: SqlStore) -> dict[str, int | str | datetime | None]:
    """How far the dispatcher is behind the audit log, and who holds it."""
    with read(store.engine) as conn:
        state = cursor.state(conn, CURSOR)
        head = int(conn.execute(select(func.max(t.audit_events.c.seq))).scalar() or 0)
    position = state.position if state else 0
    return {
        "position": position,
        "head": head,
        "behind": max(head - position, 0),
        "holder": state.holder if state else None,
        "lease_until": state.lease_until if state else None,
    }
