"""The database schema as SQLAlchemy Core tables (SQLite and PostgreSQL).

This module is the source of truth that the Alembic migrations must match;
``tests/store/test_migrations.py`` compares the two so they cannot drift.
Later schema changes (accounts, strikes, appeals, audit) add tables here
*and* a new file under ``migrations/versions/``.

Conventions:

* Every timestamp is a :class:`UtcDateTime`: stored in UTC, returned as a
  timezone-aware UTC ``datetime`` on both backends.
* Surrogate keys that can grow large are ``BIGINT`` on PostgreSQL and
  ``INTEGER`` on SQLite (only ``INTEGER PRIMARY KEY`` aliases SQLite's rowid).
* Constraint and index names follow :data:`NAMING_CONVENTION`, so future
  migrations (including SQLite batch mode) can address them by name.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""A large surrogate key: BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite."""

DIGEST_COMMENT = "sha256 hex of value (added in revision 0005)"


def value_sha256(value: str) -> str:
    """The digest that indexes a stored value (``entries``, ``decision_signals``):
    a btree on the raw value would refuse rows over ~2.7 KB on PostgreSQL, and
    an ``orb`` entry is ~12 KB."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    Naive datetimes are taken to be UTC already. SQLite keeps no zone, so values
    are converted to UTC before they are written and tagged UTC when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC) if dialect.name != "sqlite" else value
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - defensive
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


lists = Table(
    "lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("list_type", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("kinds", String(64), nullable=False, comment="comma-joined message kinds"),
    Column("description", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("list_id", Integer, ForeignKey("lists.id"), nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String, nullable=False),
    Column("value_sha256", String(64), nullable=False, comment=DIGEST_COMMENT),
    Column("note", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("added_by", String(255), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("disabled_by", String(255), nullable=True),
    Column("disabled_reason", Text, nullable=True),
    Index("ix_entries_signal_type_value_sha256", "signal_type", "value_sha256"),
    Index("ix_entries_list_id_id", "list_id", "id"),
    Index("ix_entries_signal_type_id", "signal_type", "id"),
)

list_changes = Table(
    "list_changes",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("op", String(16), nullable=False),
    Column("list_id", Integer, ForeignKey("lists.id"), nullable=False),
    Column("entry_id", BigId, ForeignKey("entries.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,
)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", String(128), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("message_id", String, nullable=True),
    Column("sender", String, nullable=False),
    Column("conversation", String, nullable=True),
    Column("kind", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("payload", Text, nullable=False, comment="JSON of Decision.to_dict()"),
    Index("ix_decisions_sender", "sender"),
    Index("ix_decisions_created_at", "created_at"),
)

decision_signals = Table(
    "decision_signals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "decision_id",
        String(128),
        ForeignKey("decisions.decision_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attachment", Integer, nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String, nullable=False),
    Column("variant", String(32), nullable=False),
    Column("quality", Integer, nullable=True, comment="added in revision 0002"),
    Column("value_sha256", String(64), nullable=False, comment=DIGEST_COMMENT),
    Index("ix_decision_signals_signal_type_value_sha256", "signal_type", "value_sha256"),
    Index("ix_decision_signals_decision_id", "decision_id"),
)

# -- accounts and due process (revision 0002) ------------------------------------

strikes = Table(
    "strikes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(255), nullable=False),
    Column("decision_id", String(128), ForeignKey("decisions.decision_id"), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("points", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime, nullable=True),
    Column("removed_by", String(255), nullable=True),
    Column("removed_reason", Text, nullable=True),
    Index("ix_strikes_account_id_at", "account_id", "at"),
    Index("ix_strikes_decision_id", "decision_id"),
)
"""Strike points given to an account for one decision; expire, or are removed on appeal."""

restrictions = Table(
    "restrictions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(255), nullable=False),
    Column("level", String(64), nullable=False),
    Column("capabilities", String(255), nullable=False, comment="comma-joined, taken away"),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=True, comment="NULL: permanent"),
    Column("cause_decision_id", String(128), ForeignKey("decisions.decision_id"), nullable=True),
    Column("cause", Text, nullable=False),
    Column("lifted_at", UtcDateTime, nullable=True),
    Column("lifted_by", String(255), nullable=True),
    Column("lifted_reason", Text, nullable=True),
    Index("ix_restrictions_account_id_starts_at", "account_id", "starts_at"),
)
"""A penalty level reached on the ladder: capabilities taken away from start to end."""

appeals = Table(
    "appeals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "decision_id",
        String(128),
        ForeignKey("decisions.decision_id"),
        nullable=False,
        unique=True,
    ),
    Column("account_id", String(255), nullable=False),
    Column("statement", Text, nullable=False),
    Column("filed_at", UtcDateTime, nullable=False),
    Column("filed_by", String(255), nullable=False),
    Column("status", String(16), nullable=False, comment="pending | upheld | overturned"),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", String(255), nullable=True),
    Column("outcome_reason", Text, nullable=True),
    Column("disabled_entries", Text, nullable=False, comment="comma-joined entry ids"),
    Index("ix_appeals_status_filed_at", "status", "filed_at"),
    Index("ix_appeals_account_id", "account_id"),
)
"""One appeal per decision, by the decision's sender, answered by a person."""

review_items = Table(
    "review_items",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, comment="hold | retro | appeal"),
    Column("decision_id", String(128), ForeignKey("decisions.decision_id"), nullable=False),
    Column("account_id", String(255), nullable=False),
    Column("list_id", Integer, ForeignKey("lists.id"), nullable=True),
    Column("entry_id", BigId, ForeignKey("entries.id"), nullable=True),
    Column("appeal_id", BigId, ForeignKey("appeals.id"), nullable=True),
    Column("rule", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False, comment="open | closed"),
    Column("claimed_by", String(255), nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decided_by", String(255), nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_review_items_status_created_at", "status", "created_at"),
    Index("ix_review_items_decision_id", "decision_id"),
)
"""The human review queue: held messages, retro-scan hits and appeals."""

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("payload", Text, nullable=False, comment="canonical JSON"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_events_subject", "subject"),
    Index("ix_audit_events_at", "at"),
    sqlite_autoincrement=True,
)
"""Append-only, hash-chained record of every decision, list change, review,
appeal and restriction change (see fairgate.audit)."""

# -- the service (revision 0003) -------------------------------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False, comment="platform | reviewer | admin"),
    Column("prefix", String(16), nullable=False, unique=True, comment="shown, not secret"),
    Column("secret_sha256", String(64), nullable=False, comment="the key itself is never stored"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
)
"""API keys with roles; a key is shown once and only its sha256 is kept."""

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("events", String(255), nullable=False, comment="comma-joined event types"),
    Column("secret", String(128), nullable=False, comment="HMAC-SHA256 key for signatures"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
)
"""Where a platform wants to hear about decisions, restrictions, appeals, list changes."""

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_seq", BigId, nullable=False, comment="the audit event delivered"),
    Column("event_type", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="pending | delivered | failed"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint_id_event_seq", "endpoint_id", "event_seq", unique=True),
)
"""One row per event per endpoint, with its outcome; retried with backoff."""

service_cursors = Table(
    "service_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigId, nullable=False),
    Column("holder", String(255), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
)
"""Named positions in the audit log for background consumers (e.g. the webhook
dispatcher), with a lease so only one worker process consumes at a time."""

# -- the reviewers' console (revision 0004) -------------------------------------

console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False, comment="reviewer | admin"),
    Column("password_hash", String(255), nullable=False, comment="argon2id (PHC string)"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
)
"""People who sign in to the console; only an argon2id hash of each password is kept."""

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True, comment="the cookie is never stored"),
    Column("user_id", Integer, ForeignKey("console_users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_console_sessions_expires_at", "expires_at"),
)
"""Signed-in sessions: the sha256 of the cookie's random token, and the session's CSRF token."""

held_media = Table(
    "held_media",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "decision_id",
        String(128),
        ForeignKey("decisions.decision_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attachment", Integer, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_held_media_decision_id_attachment", "decision_id", "attachment", unique=True),
    Index("ix_held_media_created_at", "created_at"),
)
"""The bytes of attachments that matched a list (held, blocked or flagged), so a
reviewer can see them; kept for ``console_media_retention_days``. Attachments of
messages that matched nothing are never stored."""
