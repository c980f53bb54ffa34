"""Checks on what callers ask the store to write; each failure is ``InvalidInput``
with a message that says what is wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from fairgate.errors import InvalidInput
from fairgate.store.records import NewEntry
from fairgate.types import MESSAGE_KINDS, Decision, ListType, MessageKind

LIST_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SEVERITY_MIN, SEVERITY_MAX = 0, 10
MAX_VALUE_CHARS = 65_536
"""Longest entry value: an ``orb`` entry with 640 keypoints and as many of its mirror image
takes about 61,500 characters. Values are indexed by their sha256 (revision 0005), so
their length is not bounded by PostgreSQL's btree row limit."""
MAX_SIGNAL_TYPE_CHARS = 32
MAX_ACTOR_CHARS = 255
MAX_DECISION_ID_CHARS = 128
TEXT_SIGNAL_TYPE = "term"
TEXT_SIGNAL_TYPES = (TEXT_SIGNAL_TYPE, "allow_term", "regex")
"""What a text list holds: deny terms, allow-terms, RE2 regex rules."""

_E = TypeVar("_E", bound=StrEnum)


def list_name(name: object) -> str:
    if not isinstance(name, str) or LIST_NAME_RE.fullmatch(name) is None:
        raise InvalidInput(
            f"invalid list name {name!r}: use 1-64 characters of letters, digits, '_', '.', '-'"
        )
    return name


def enum_value(enum: type[_E], value: object, what: str) -> _E:
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise InvalidInput(f"invalid {what} {value!r}: expected one of {allowed}")


def severity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"invalid severity {value!r}: expected an integer")
    if not SEVERITY_MIN <= value <= SEVERITY_MAX:
        raise InvalidInput(f"invalid severity {value}: expected {SEVERITY_MIN}..{SEVERITY_MAX}")
    return value


def kinds(value: Sequence[str] | str) -> tuple[MessageKind, ...]:
    """A non-empty subset of the message kinds, deduplicated, in canonical order.
    A comma-separated string (``"chat,search"``) is accepted too."""
    items = value.split(",") if isinstance(value, str) else list(value)
    wanted = {str(k).strip() for k in items}
    unknown = sorted(wanted - set(MESSAGE_KINDS))
    if unknown:
        allowed = ", ".join(MESSAGE_KINDS)
        raise InvalidInput(f"invalid message kinds {unknown}: expected some of {allowed}")
    if not wanted:
        raise InvalidInput("a list needs at least one message kind (chat, search)")
    return tuple(k for k in MESSAGE_KINDS if k in wanted)


def actor(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ACTOR_CHARS:
        raise InvalidInput(f"invalid {what} {value!r}: expected 1-{MAX_ACTOR_CHARS} characters")
    return value


def new_entries(list_type: ListType, entries: Sequence[NewEntry]) -> None:
    """Each entry has a signal type that fits the list and a usable value."""
    for i, entry in enumerate(entries):
        if not isinstance(entry, NewEntry):
            raise InvalidInput(f"entry {i}: expected a NewEntry, got {type(entry).__name__}")
        if not entry.signal_type or len(entry.signal_type) > MAX_SIGNAL_TYPE_CHARS:
            raise InvalidInput(f"entry {i}: invalid signal type {entry.signal_type!r}")
        is_term = entry.signal_type in TEXT_SIGNAL_TYPES
        if (list_type is ListType.TEXT) != is_term:
            want = (
                "'term', 'allow_term' or 'regex'"
                if list_type is ListType.TEXT
                else "a hash type (sha256, md5, pdq)"
            )
            raise InvalidInput(
                f"entry {i}: signal type {entry.signal_type!r} does not fit a "
                f"{list_type.value} list (expected {want})"
            )
        if not entry.value or not entry.value.strip():
            raise InvalidInput(f"entry {i}: empty value")
        if len(entry.value) > MAX_VALUE_CHARS:
            raise InvalidInput(
                f"entry {i}: value is {len(entry.value)} characters (at most {MAX_VALUE_CHARS})"
            )


def decision(value: Decision) -> None:
    if not isinstance(value, Decision):
        raise InvalidInput(f"expected a Decision, got {type(value).__name__}")
    if not value.decision_id or len(value.decision_id) > MAX_DECISION_ID_CHARS:
        raise InvalidInput(
            f"invalid decision id {value.decision_id!r}: "
            f"expected 1-{MAX_DECISION_ID_CHARS} characters"
        )
    for i, sig in enumerate(value.signals):
        if not sig.signal_type or len(sig.signal_type) > MAX_SIGNAL_TYPE_CHARS:
            raise InvalidInput(f"signal {i}: invalid signal type {sig.signal_type!r}")
        if len(sig.variant) > MAX_SIGNAL_TYPE_CHARS:
            raise InvalidInput(f"signal {i}: invalid variant {sig.variant!r}")
