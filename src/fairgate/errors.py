"""Typed exceptions. ``InvalidInput`` and its children mean "the caller sent
something bad" (CLI exit 2, HTTP 4xx); everything else is a runtime error."""

from __future__ import annotations


class FairgateError(Exception):
    """Base of every error fairgate raises on purpose."""


class InvalidInput(FairgateError):
    """The input is wrong; the message says what and where."""


class MediaError(InvalidInput):
    """A file could not be decoded safely: empty, not an image, truncated, too large."""

    def __init__(self, reason: str, source: str | None = None) -> None:
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class InvalidSignalValue(InvalidInput):
    """A hash string that is not a valid value of its signal type."""


class PolicyError(InvalidInput):
    """The policy file is invalid; the message names the file and line."""


class NotFound(InvalidInput):
    """A list, entry or decision that does not exist."""


class Conflict(InvalidInput):
    """The request contradicts what is stored (e.g. a list name already taken)."""


class StoreError(FairgateError):
    """The database failed (not the caller's fault)."""


class Forbidden(InvalidInput):
    """The caller may not do this (e.g. appeal a decision about someone else)."""
