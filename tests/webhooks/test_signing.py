"""The signature scheme, from a receiver's side."""

from __future__ import annotations

import hashlib
import hmac

from fairgate.webhooks import verify_signature
from fairgate.webhooks.backoff import Backoff
from fairgate.webhooks.signing import new_secret, signature_header

BODY = b'{"id":1,"type":"decision.made"}'
T = 1_764_590_400


def test_the_header_is_an_hmac_of_timestamp_dot_body() -> None:
    header = signature_header("whsec_k", T, BODY)
    expected = hmac.new(b"whsec_k", f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={T},v1={expected}"


def test_verify_accepts_the_real_thing_and_refuses_every_alteration() -> None:
    header = signature_header("whsec_k", T, BODY)
    assert verify_signature("whsec_k", header, BODY, 300, now=T + 299)
    assert verify_signature("whsec_k", header, BODY.decode(), 300, now=T - 10)
    assert not verify_signature("whsec_k", header, BODY + b" ", 300, now=T)
    assert not verify_signature("whsec_x", header, BODY, 300, now=T)
    assert not verify_signature("whsec_k", header, BODY, 300, now=T + 301)  # replayed late
    moved = header.replace(f"t={T}", f"t={T + 1}")
    assert not verify_signature("whsec_k", moved, BODY, 300, now=T)
    for broken in ("", "v1=abc", f"t={T}", f"t=soon,v1={header.split('v1=')[1]}"):
        assert not verify_signature("whsec_k", broken, BODY, 300, now=T)


def test_any_v1_entry_may_match() -> None:
    good = signature_header("whsec_k", T, BODY).split(",")[1]
    assert verify_signature("whsec_k", f"t={T},v1=00ff,{good}", BODY, 300, now=T)


def test_secrets_are_random_and_long() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(s.startswith("whsec_") and len(s) == 6 + 64 for s in secrets)


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    backoff = Backoff(base_s=10, max_s=60, max_attempts=5)
    assert [backoff.delay(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]
    assert not backoff.exhausted(4)
    assert backoff.exhausted(5)
