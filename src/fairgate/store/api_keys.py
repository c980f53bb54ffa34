"""API keys in the database: only a sha256 of each key is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from fairgate.store import tables as t


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: int
    name: str
    role: str
    prefix: str
    secret_sha256: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


def insert_key(
    conn: Connection,
    *,
    name: str,
    role: str,
    prefix: str,
    secret_sha256: str,
    at: datetime,
    by: str,
) -> KeyRecord:
    row = {
        "name": name,
        "role": role,
        "prefix": prefix,
        "secret_sha256": secret_sha256,
        "created_at": at,
        "created_by": by,
    }
    key_id = conn.execute(insert(t.api_keys).returning(t.api_keys.c.id), row).scalar_one()
    return KeyRecord(int(key_id), name, role, prefix, secret_sha256, at, by, None, None)


def by_prefix(conn: Connection, prefix: str) -> KeyRecord | None:
    row = conn.execute(select(t.api_keys).where(t.api_keys.c.prefix == prefix)).mappings().first()
    return _key(row) if row is not None else None


def listing(conn: Connection) -> list[KeyRecord]:
    rows = conn.execute(select(t.api_keys).order_by(t.api_keys.c.id)).mappings()
    return [_key(r) for r in rows]


def revoke(conn: Connection, prefix: str, at: datetime) -> bool:
    c = t.api_keys.c
    result = conn.execute(
        update(t.api_keys)
        .where(c.prefix == prefix)
        .where(c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(result.rowcount)


def revoked_count(conn: Connection) -> int:
    """How many keys have been revoked: it only grows (a revoked key stays revoked)."""
    c = t.api_keys.c
    return int(conn.execute(select(func.count()).where(c.revoked_at.is_not(None))).scalar_one())


def touch(conn: Connection, key_id: int, at: datetime) -> None:
    conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(last_used_at=at))


def _key(row: RowMapping) -> KeyRecord:
    return KeyRecord(
        id=int(row["id"]),
        name=row["name"],
        role=row["role"],
        prefix=row["prefix"],
        secret_sha256=row["secret_sha256"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )
