"""One HTTP attempt of one delivery: signed POST, outcome, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from fairgate.webhooks.records import Delivery
from fairgate.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

USER_AGENT = "fairgate-webhooks/1"


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str | None


def headers(delivery: Delivery, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(secret, timestamp, delivery.body.encode("utf-8")),
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.id),
    }


def send(
    client: httpx.Client, url: str, delivery: Delivery, secret: str, timestamp: int
) -> Attempt:
    """POST the stored body; any 2xx is delivered (redirects are not followed)."""
    try:
        response = client.post(
            url,
            content=delivery.body.encode("utf-8"),
            headers=headers(delivery, secret, timestamp),
        )
    except httpx.TimeoutException:
        return Attempt(False, None, "timed out")
    except httpx.HTTPError as exc:
        return Attempt(
            False, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        )
    if 200 <= response.status_code < 300:
        return Attempt(True, response.status_code, None)
    return Attempt(False, response.status_code, f"HTTP {response.status_code}")
