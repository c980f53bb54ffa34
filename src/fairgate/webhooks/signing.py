"""Signatures on webhook deliveries, and their check for receivers.

Header: ``Fairgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``.
The timestamp is signed with the body, so a captured delivery cannot be
replayed later than ``tolerance_s`` after it was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Fairgate-Signature"
EVENT_HEADER = "Fairgate-Event"
DELIVERY_HEADER = "Fairgate-Delivery"

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    """A random per-endpoint secret (256 bits)."""
    return SECRET_PREFIX + secrets.token_hex(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance_s: float = 300.0,
    *,
    now: float | None = None,
) -> bool:
    """True if ``header`` (the ``Fairgate-Signature`` value) signs ``body`` (the raw
    request body, exactly as received) under ``secret`` and its timestamp is
    within ``tolerance_s`` of ``now`` (default: the current time). Any ``v1``
    entry may match (several appear while a secret is rotated)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
