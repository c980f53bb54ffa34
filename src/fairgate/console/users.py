"""Console users (argon2id password hashes) and their sessions.

A session cookie carries a random token; only its sha256 is stored, with the
session's CSRF token and its expiry. Passwords are never stored or logged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from fairgate.errors import Conflict, InvalidInput
from fairgate.store import tables as t

ROLES = ("reviewer", "admin")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone")
"""Verified against when the user is unknown, so both cases take as long."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: str
    created_at: datetime
    created_by: str
    disabled_at: datetime | None

    @property
    def actor(self) -> str:
        """How the user is named in the audit log."""
        return f"console:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str
    expires_at: datetime


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(
        int(r["id"]),
        str(r["name"]),
        str(r["role"]),
        r["created_at"],
        str(r["created_by"]),
        r["disabled_at"],
    )


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def create_user(
    engine: Engine, name: str, role: str, password: str, *, by: str, now: datetime
) -> User:
    if not NAME.match(name):
        raise InvalidInput(
            f"invalid user name {name!r}: 1-64 letters, digits or . _ @ -, starting with one"
            " letter or digit"
        )
    if role not in ROLES:
        raise InvalidInput(f"invalid role {role!r}: expected reviewer or admin")
    digest = _hasher.hash(check_password(password))
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(t.console_users).values(
                    name=name,
                    role=role,
                    password_hash=digest,
                    created_at=now,
                    created_by=by[:255],
                )
            )
    except IntegrityError:
        raise Conflict(f"a user named {name!r} exists already") from None
    return get_user(engine, name)


def get_user(engine: Engine, name: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(t.console_users).where(t.console_users.c.name == name)).first()
    if row is None:
        raise InvalidInput(f"no user {name!r}")
    return _user(row)


def all_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.console_users).order_by(t.console_users.c.name)).all()
    return [_user(r) for r in rows]


def set_disabled(engine: Engine, name: str, *, disabled: bool, now: datetime) -> None:
    c = t.console_users.c
    with engine.begin() as conn:
        conn.execute(
            update(t.console_users)
            .where(c.name == name)
            .values(disabled_at=now if disabled else None)
        )
        if disabled:
            ids = select(c.id).where(c.name == name).scalar_subquery()
            conn.execute(delete(t.console_sessions).where(t.console_sessions.c.user_id == ids))


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user if the password is theirs and they are not disabled."""
    c = t.console_users.c
    with engine.connect() as conn:
        row = conn.execute(select(t.console_users).where(c.name == name[:64])).first()
    digest = str(row._mapping["password_hash"]) if row is not None else _DUMMY
    try:
        _hasher.verify(digest, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    user = _user(row)
    return None if user.disabled_at is not None else user


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(engine: Engine, user: User, *, now: datetime, hours: float) -> tuple[str, str]:
    """A new session: (cookie token, CSRF token). Expired sessions are deleted."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    s = t.console_sessions
    with engine.begin() as conn:
        conn.execute(delete(s).where(s.c.expires_at < now))
        conn.execute(
            insert(s).values(
                token_sha256=_sha(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return token, csrf


def session_for(engine: Engine, token: str, *, now: datetime) -> Session | None:
    s, u = t.console_sessions, t.console_users
    stmt = (
        select(u, s.c.csrf_token, s.c.expires_at)
        .join(s, s.c.user_id == u.c.id)
        .where(s.c.token_sha256 == _sha(token))
        .where(s.c.expires_at > now)
        .where(u.c.disabled_at.is_(None))
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return Session(_user(row), str(row._mapping["csrf_token"]), row._mapping["expires_at"])


def close_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(t.console_sessions).where(t.console_sessions.c.token_sha256 == _sha(token))
        )
