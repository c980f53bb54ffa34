"""Webhook event types and the audit event kinds each one is made from.

The audit log is the source of every webhook: a delivery is one audit event
seen by one endpoint that subscribed to its type.
"""

from __future__ import annotations

from collections.abc import Iterable

from fairgate.audit import EventKind
from fairgate.errors import InvalidInput

DECISION_MADE = "decision.made"
RESTRICTION_STARTED = "restriction.started"
RESTRICTION_LIFTED = "restriction.lifted"
APPEAL_DECIDED = "appeal.decided"
LIST_CHANGED = "list.changed"

EVENT_TYPES: tuple[str, ...] = (
    DECISION_MADE,
    RESTRICTION_STARTED,
    RESTRICTION_LIFTED,
    APPEAL_DECIDED,
    LIST_CHANGED,
)

TYPE_OF_KIND: dict[str, str] = {
    EventKind.DECISION: DECISION_MADE,
    EventKind.RESTRICTION_START: RESTRICTION_STARTED,
    EventKind.RESTRICTION_LIFT: RESTRICTION_LIFTED,
    EventKind.APPEAL_DECIDE: APPEAL_DECIDED,
    EventKind.LIST_CREATE: LIST_CHANGED,
    EventKind.LIST_ADD: LIST_CHANGED,
    EventKind.LIST_DISABLE: LIST_CHANGED,
}
"""Audit kind -> webhook event type; kinds not named here are never sent."""

WEBHOOK_ADD = "webhook.add"
WEBHOOK_DISABLE = "webhook.disable"
"""Audit kinds of endpoint registration and removal (never sent as webhooks).
An endpoint hears exactly the events after its ``webhook.add`` event."""


def parse_event_types(value: str | Iterable[str]) -> tuple[str, ...]:
    """Comma-separated (or listed) event types, validated, deduplicated, in the
    canonical order; ``InvalidInput`` naming the unknown ones."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = {item.strip() for item in items if item.strip()}
    if not names:
        raise InvalidInput(f"no event types given: choose from {', '.join(EVENT_TYPES)}")
    unknown = sorted(names - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"unknown event type(s) {', '.join(unknown)}: choose from {', '.join(EVENT_TYPES)}"
        )
    return tuple(name for name in EVENT_TYPES if name in names)
