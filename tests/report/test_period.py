"""``--since`` / ``--until``: ISO dates and datetimes, UTC unless a zone is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairgate.errors import InvalidInput
from fairgate.report.period import Period, parse_when, resolve_period

NOW = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)


def test_a_date_is_midnight_utc() -> None:
    assert parse_when("2026-11-01", "--since") == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_naive_datetime_is_utc_and_a_zoned_one_is_converted() -> None:
    assert parse_when("2026-11-01T08:30", "--since") == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    zoned = parse_when("2026-11-01T08:30:00+02:00", "--since")
    assert zoned == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert zoned.tzinfo == UTC
    assert parse_when("2026-11-01T08:30:00Z", "--until").hour == 8


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-11-31", "", "01/11/2026"])
def test_unparsable_dates_name_the_option(text: str) -> None:
    with pytest.raises(InvalidInput, match="--until takes an ISO date"):
        parse_when(text, "--until")


def test_defaults_end_now_and_start_the_configured_days_earlier() -> None:
    period = resolve_period(None, None, now=NOW, default_days=30)
    assert period == Period(NOW - timedelta(days=30), NOW)
    assert resolve_period("2026-11-20", None, now=NOW, default_days=30).since == datetime(
        2026, 11, 20, tzinfo=UTC
    )
    ending = resolve_period(None, "2026-06-08", now=NOW, default_days=7)
    assert ending.since == datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(("since", "until"), [("2026-12-01", "2026-11-01"), ("2026-11-01",) * 2])
def test_since_must_be_before_until(since: str, until: str) -> None:
    with pytest.raises(InvalidInput, match=r"--since .* must be before --until"):
        resolve_period(since, until, now=NOW, default_days=30)


def test_a_future_default_start_after_an_explicit_until_is_refused() -> None:
    with pytest.raises(InvalidInput):
        resolve_period("2026-12-05", None, now=NOW, default_days=30)


def test_period_needs_aware_times() -> None:
    with pytest.raises(InvalidInput):
        Period(datetime(2026, 1, 1), datetime(2026, 2, 1, tzinfo=UTC))
