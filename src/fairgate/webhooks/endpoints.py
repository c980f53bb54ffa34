"""Registering, listing and disabling webhook endpoints (each change audited)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from fairgate.errors import InvalidInput, NotFound
from fairgate.store import SqlStore, audit_log
from fairgate.webhooks import delivery_store, endpoint_store
from fairgate.webhooks.events import WEBHOOK_ADD, WEBHOOK_DISABLE, parse_event_types
from fairgate.webhooks.records import Endpoint
from fairgate.webhooks.signing import new_secret
from fairgate.webhooks.tx import Clock, utc_now

MAX_URL_CHARS = 2_000


def validate_url(url: str, allowed_hosts: Sequence[str] = ()) -> str:
    """An absolute ``http``/``https`` URL with a host and no credentials in it;
    ``InvalidInput`` saying what is wrong."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("webhook URL is empty")
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput(f"webhook URL is longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidInput(f"webhook URL {url!r} contains whitespace or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput(f"webhook URL {url!r} must start with http:// or https://")
    if not parts.hostname:
        raise InvalidInput(f"webhook URL {url!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            f"webhook URL {url!r} must not carry credentials; receivers check the signature"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for an out-of-range port
    except ValueError:
        raise InvalidInput(f"webhook URL {url!r} has an invalid port") from None
    if parts.fragment:
        raise InvalidInput(f"webhook URL {url!r} must not have a #fragment")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise InvalidInput(
            f"webhook host {parts.hostname!r} is not on webhook_allowed_hosts "
            f"({', '.join(allowed_hosts)})"
        )
    return url


def host_allowed(host: str | None, allowed_hosts: Sequence[str]) -> bool:
    """No allow-list: any host. Otherwise the host itself, or a subdomain of an
    entry written with a leading dot (``.example.com``)."""
    if not allowed_hosts:
        return True
    if host is None:
        return False
    host = host.lower().rstrip(".")
    for entry in allowed_hosts:
        entry = entry.lower().rstrip(".")
        if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


class Endpoints:
    """The platform's webhook endpoints."""

    def __init__(
        self, store: SqlStore, clock: Clock | None = None, *, allowed_hosts: Sequence[str] = ()
    ) -> None:
        self.store = store
        self.clock = clock or utc_now
        self.allowed_hosts = tuple(allowed_hosts)

    def register(self, url: str, events: str | Iterable[str], *, by: str = "cli") -> Endpoint:
        """A new endpoint with a fresh secret (returned here and never again by
        :meth:`list`). It hears events recorded after its registration."""
        url = validate_url(url, self.allowed_hosts)
        types = parse_event_types(events)
        by = _actor(by)
        now = self.clock()
        with self.store.transaction() as conn:
            endpoint = endpoint_store.insert_endpoint(
                conn, url=url, events=types, secret=new_secret(), at=now, by=by
            )
            audit_log.append(
                conn,
                kind=WEBHOOK_ADD,
                subject=endpoint_store.subject(endpoint.id),
                actor=by,
                payload={"endpoint_id": endpoint.id, "url": url, "events": list(types)},
                at=now,
            )
        return endpoint

    def list(self, *, include_disabled: bool = False) -> list[Endpoint]:
        with self.store.read() as conn:
            return endpoint_store.listing(conn, include_disabled=include_disabled)

    def get(self, endpoint_id: int) -> Endpoint:
        with self.store.read() as conn:
            endpoint = endpoint_store.get(conn, endpoint_id)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        return endpoint

    def disable(self, endpoint_id: int, *, by: str = "cli") -> Endpoint:
        """Stop sending to an endpoint; its pending deliveries are marked failed.
        ``NotFound`` if unknown; disabling twice is a no-op."""
        by = _actor(by)
        now = self.clock()
        with self.store.transaction() as conn:
            if endpoint_store.get(conn, endpoint_id) is None:
                raise NotFound(f"no webhook endpoint {endpoint_id}")
            if endpoint_store.disable(conn, endpoint_id, at=now):
                cancelled = delivery_store.cancel_pending(conn, endpoint_id, at=now)
                audit_log.append(
                    conn,
                    kind=WEBHOOK_DISABLE,
                    subject=endpoint_store.subject(endpoint_id),
                    actor=by,
                    payload={"endpoint_id": endpoint_id, "cancelled_deliveries": cancelled},
                    at=now,
                )
            endpoint = endpoint_store.get(conn, endpoint_id)
        if endpoint is None:  # pragma: no cover - read in this transaction
            raise NotFound(f"no webhook endpoint {endpoint_id}")
        return endpoint


def _actor(by: str) -> str:
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput("who is making the change (--by) must not be empty")
    return by.strip()[:255]
