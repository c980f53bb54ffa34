"""Webhooks: signed, retried deliveries of audit events to a platform's endpoints.

``Endpoints`` registers and disables endpoints; ``Dispatcher`` tails the audit log
in its own thread and delivers; receivers check deliveries with
``verify_signature``. See docs/webhooks.md.
"""

from fairgate.webhooks.dispatcher import Dispatcher, RunResult
from fairgate.webhooks.endpoints import Endpoints, validate_url
from fairgate.webhooks.events import EVENT_TYPES, parse_event_types
from fairgate.webhooks.records import Delivery, Endpoint
from fairgate.webhooks.signing import verify_signature

__all__ = [
    "EVENT_TYPES",
    "Delivery",
    "Dispatcher",
    "Endpoint",
    "Endpoints",
    "RunResult",
    "parse_event_types",
    "validate_url",
    "verify_signature",
]
