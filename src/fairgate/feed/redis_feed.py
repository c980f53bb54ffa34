"""Redis pub/sub as the "look now" signal, with database catch-up behind it.

A worker that commits a list change publishes its ``seq`` on the channel; every
subscribed worker wakes and applies the change log up to the database's newest
``seq``. On start, after every (re)connect and on a slow timer the worker also
catches up from the database, so a message lost while Redis was down only
delays a change until the next check (fast interval while disconnected).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import redis

from fairgate.feed.base import Applier, FeedStatus

log = logging.getLogger("fairgate.feed")


class RedisFeed:
    def __init__(
        self,
        url: str,
        apply: Callable[[], int],
        latest: Callable[[], int],
        *,
        channel: str,
        connected_poll_s: float,
        disconnected_poll_s: float,
    ) -> None:
        self._url = url
        self._channel = channel
        self._connected_poll_s = connected_poll_s
        self._disconnected_poll_s = disconnected_poll_s
        self._applier = Applier(apply, latest, name="fairgate-feed-apply")
        self._applier.interval = disconnected_poll_s
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._connected = False
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    def start(self) -> None:
        self._applier.start()
        self._listener = threading.Thread(
            target=self._listen, name="fairgate-feed-redis", daemon=True
        )
        self._listener.start()

    def stop(self) -> None:
        self._stop.set()
        self._applier.stop()
        if self._listener is not None:
            self._listener.join(timeout=5)

    def publish(self, seq: int) -> None:
        self._applier.wake()
        try:
            self._client.publish(self._channel, str(seq))
        except redis.RedisError as exc:
            # The change is committed; the others catch up from the database.
            log.warning("could not publish change %s to Redis: %s", seq, exc)

    def status(self) -> FeedStatus:
        a = self._applier
        return FeedStatus(
            "redis", self._connected, a.applied_seq, a.latest_seq, time.monotonic() - a.checked_at
        )

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(self._channel)
                self._set_connected(True)
                self._applier.wake()  # catch up whatever was missed while away
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._applier.wake()
            except (redis.RedisError, OSError) as exc:
                if self._connected:
                    log.warning("Redis change feed lost (%s); polling the database", exc)
                self._set_connected(False)
                self._stop.wait(self._disconnected_poll_s)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    pubsub.close()

    def _set_connected(self, connected: bool) -> None:
        self._connected = connected
        self._applier.interval = self._connected_poll_s if connected else self._disconnected_poll_s
