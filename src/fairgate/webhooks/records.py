"""What the webhook tables hold, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: datetime
    created_by: str
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self, *, with_secret: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "endpoint_id": self.id,
            "url": self.url,
            "events": list(self.events),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "active": self.active,
        }
        if with_secret:
            data["secret"] = self.secret
        return data


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    endpoint_id: int
    event_seq: int
    event_type: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.id,
            "endpoint_id": self.endpoint_id,
            "audit_seq": self.event_seq,
            "type": self.event_type,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
            "last_attempt_at": _iso(self.last_attempt_at),
            "last_status_code": self.last_status_code,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
