"""The audit log: an append-only, hash-chained record of everything that changes
what a person can send or what is on a list.

Every event stores the hash of the event before it; its own hash covers its
sequence number, time, kind, subject, actor, canonical JSON payload and that
previous hash. Editing any stored field of an event changes its hash (caught at
that event); recomputing the hash to hide the edit breaks the next event's link;
deleting or inserting an event breaks the sequence and the link after it. Only
the newest event can be removed without a trace inside the chain itself, which
is why :func:`verify` returns the head hash: publish it (or compare it with one
kept elsewhere, ``fairgate audit verify --expect-head``) to anchor the end.

This module is pure: hashing and verification over plain values. Writing and
reading events in the database is :mod:`fairgate.store.audit_log`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventKind:
    """The kinds of audit events (strings, so plug-ins can add their own)."""

    DECISION = "decision"
    LIST_CREATE = "list.create"
    LIST_ADD = "list.add"
    LIST_DISABLE = "list.disable"
    STRIKE_ADD = "strike.add"
    STRIKE_REMOVE = "strike.remove"
    RESTRICTION_START = "restriction.start"
    RESTRICTION_LIFT = "restriction.lift"
    APPEAL_FILE = "appeal.file"
    APPEAL_DECIDE = "appeal.decide"
    REVIEW_OPEN = "review.open"
    REVIEW_CLAIM = "review.claim"
    REVIEW_DECIDE = "review.decide"
    RETENTION_PURGE = "retention.purge"
    CONSOLE_SIGNIN = "console.signin"
    CONSOLE_SIGNIN_FAIL = "console.signin_fail"


def canonical_json(payload: Mapping[str, Any]) -> str:
    """The one JSON spelling of a payload that its hash is computed over."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    *,
    seq: int,
    at: datetime,
    kind: str,
    subject: str,
    actor: str,
    payload_json: str,
    prev_hash: str,
) -> str:
    """sha256 over every stored field of an event and the previous event's hash."""
    material = json.dumps(
        [seq, _instant(at), kind, subject, actor, payload_json, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _instant(at: datetime) -> str:
    """Microseconds since the epoch: the same for a time read back from SQLite
    (naive UTC) or PostgreSQL (aware), whatever its zone."""
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return str((at - _EPOCH) // timedelta(microseconds=1))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: datetime
    kind: str
    subject: str
    actor: str
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        value = json.loads(self.payload_json)
        return value if isinstance(value, dict) else {"value": value}

    def expected_hash(self) -> str:
        return event_hash(
            seq=self.seq,
            at=self.at,
            kind=self.kind,
            subject=self.subject,
            actor=self.actor,
            payload_json=self.payload_json,
            prev_hash=self.prev_hash,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "subject": self.subject,
            "actor": self.actor,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking a chain: ``ok``, how many events were checked, the
    head hash, and for a broken chain the first bad event and why."""

    ok: bool
    checked: int
    head_hash: str
    first_broken_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_hash": self.head_hash,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def verify(events: Iterable[AuditEvent], *, expect_head: str | None = None) -> Verification:
    """Walk the chain in ``seq`` order and name the first event that does not fit."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in events:
        problem = _problem(event, expected_seq, prev_hash)
        if problem is not None:
            return Verification(False, checked, prev_hash, event.seq, problem)
        prev_hash = event.hash
        expected_seq = event.seq + 1
        checked += 1
    if expect_head is not None and expect_head != prev_hash:
        return Verification(
            False,
            checked,
            prev_hash,
            expected_seq,
            f"the chain ends at {prev_hash[:16]}..., not at the expected head "
            f"{expect_head[:16]}... (events at the end are missing or were replaced)",
        )
    return Verification(True, checked, prev_hash)


def _problem(event: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"expected event {expected_seq} next, found {event.seq} (events missing or added)"
    if event.prev_hash != prev_hash:
        return "its link to the previous event does not match (an earlier event was changed)"
    try:
        expected = event.expected_hash()
    except ValueError as exc:
        return str(exc)
    if event.hash != expected:
        return "its stored fields do not match its hash (the event was edited)"
    return None
