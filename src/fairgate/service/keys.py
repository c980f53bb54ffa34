"""API keys with roles: made with enough randomness that a sha256 is a safe way
to store them (as GitHub and Stripe do); shown once; verified by prefix lookup
and a constant-time comparison; cached briefly so a request costs no query.
A worker's change feed calls ``check_revocations`` on each of its database
checks, so a key revoked anywhere (another worker, the CLI) stops working by the
next check, not only when its cache entry expires."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from fairgate.errors import InvalidInput, NotFound
from fairgate.store import SqlStore
from fairgate.store import api_keys as key_rows
from fairgate.store.api_keys import KeyRecord

KEY_RE = re.compile(r"^fg_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Role(StrEnum):
    PLATFORM = "platform"
    """Screen messages, file appeals on behalf of users, read account state."""
    REVIEWER = "reviewer"
    """The review queue, appeals, lists, reports."""
    ADMIN = "admin"
    """Policy, keys, webhooks; and everything a reviewer may do."""


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: int
    name: str
    role: Role
    prefix: str

    @property
    def actor(self) -> str:
        """How the caller is named in the audit log."""
        return f"{self.role.value}:{self.name}"


@dataclass(frozen=True, slots=True)
class NewKey:
    record: KeyRecord
    key: str
    """The key itself: shown once, never stored."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


class KeyRing:
    def __init__(self, store: SqlStore, *, cache_seconds: float) -> None:
        self._store = store
        self.on_revoke: list[Callable[[], None]] = []
        """Called after a revocation through this ring commits (the service tells the
        other workers to check at once)."""
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Caller | None]] = {}
        self._lock = threading.Lock()
        self._revoked: int | None = None
        """The revoked-key count when last checked (None: not yet)."""
        self._generation = 0
        """Bumped whenever the cache is forgotten: a lookup that began before does not
        cache its (possibly stale) answer."""

    def create(self, *, name: str, role: str, by: str) -> NewKey:
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise InvalidInput("a key name is 1-64 letters, digits or _.@-")
        try:
            role_value = Role(role)
        except ValueError:
            raise InvalidInput(
                f"invalid role {role!r}: expected {', '.join(r.value for r in Role)}"
            ) from None
        prefix = secrets.token_hex(6)
        key = f"fg_{prefix}_{secrets.token_urlsafe(32)}"
        with self._store.transaction() as conn:
            record = key_rows.insert_key(
                conn,
                name=name,
                role=role_value.value,
                prefix=prefix,
                secret_sha256=_digest(key),
                at=datetime.now(UTC),
                by=by,
            )
        return NewKey(record, key)

    def list(self) -> list[KeyRecord]:
        with self._store.read() as conn:
            return key_rows.listing(conn)

    def revoke(self, prefix: str) -> None:
        with self._store.transaction() as conn:
            if not key_rows.revoke(conn, prefix, datetime.now(UTC)):
                raise NotFound(f"no active key with prefix {prefix!r}")
        with self._lock:
            self._forget()
        for announce in self.on_revoke:
            announce()

    def check_revocations(self) -> bool:
        """Forget every cached key if a key was revoked since the last check (one
        count query); whether it did."""
        with self._store.read() as conn:
            revoked = key_rows.revoked_count(conn)
        with self._lock:
            changed = self._revoked is not None and revoked != self._revoked
            self._revoked = revoked
            if changed:
                self._forget()
        return changed

    def _forget(self) -> None:
        """Drop every cached answer (the caller holds the lock)."""
        self._cache.clear()
        self._generation += 1

    def cached(self, key: str) -> tuple[bool, Caller | None]:
        """``(True, caller)`` when the answer needs no query (a malformed key, or
        one verified within ``cache_seconds``); ``(False, None)`` when
        :meth:`verify` must ask the database."""
        if KEY_RE.match(key) is None:
            return True, None
        with self._lock:
            cached = self._cache.get(_digest(key))
        if cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return True, cached[1]
        return False, None

    def verify(self, key: str) -> Caller | None:
        """The caller a key belongs to, or None (unknown, malformed or revoked)."""
        known, cached = self.cached(key)
        if known:
            return cached
        match = KEY_RE.match(key)
        if match is None:  # pragma: no cover - cached() answers for malformed keys
            return None
        now = time.monotonic()
        digest = _digest(key)
        with self._lock:
            generation = self._generation
        with self._store.read() as conn:
            record = key_rows.by_prefix(conn, match.group(1))
        caller = None
        if (
            record is not None
            and record.revoked_at is None
            and hmac.compare_digest(record.secret_sha256, digest)
        ):
            caller = Caller(record.id, record.name, Role(record.role), record.prefix)
        with self._lock:
            if generation != self._generation:
                return caller  # a revocation was seen meanwhile: do not cache this answer
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, caller)
        return caller
