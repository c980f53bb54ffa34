"""The report's period: ``[since, until)`` in UTC, parsed from ISO dates or datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fairgate.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open interval of time: ``since`` included, ``until`` excluded (both UTC)."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise InvalidInput("a report period needs timezone-aware times")
        if self.since >= self.until:
            raise InvalidInput(
                f"--since ({self.since.isoformat()}) must be before --until "
                f"({self.until.isoformat()})"
            )

    def to_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def parse_when(text: str, option: str) -> datetime:
    """An ISO date (midnight UTC) or datetime (UTC when it names no zone).

    ``InvalidInput`` naming ``option`` when ``text`` is not one."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option} takes an ISO date or datetime such as 2026-11-01 or "
            f"2026-11-01T08:00:00+01:00 (got {text!r})"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def resolve_period(
    since: str | None, until: str | None, *, now: datetime, default_days: int
) -> Period:
    """The period from the CLI's ``--since`` / ``--until``: ``until`` defaults to
    ``now`` and ``since`` to ``default_days`` before ``until``."""
    end = parse_when(until, "--until") if until is not None else now.astimezone(UTC)
    start = (
        parse_when(since, "--since") if since is not None else end - timedelta(days=default_days)
    )
    return Period(start, end)
