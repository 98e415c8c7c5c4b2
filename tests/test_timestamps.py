"""Timestamps: parsing (xAPI Data 4.5), UTC serialisation and microsecond arithmetic."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.timestamps import (
    TIMESTAMP_PATTERN,
    from_micros,
    micros,
    now_utc,
    parse_timestamp,
    timestamp_problem,
    to_utc_string,
)


def _tz(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-04T17:00:00Z", datetime(2024, 5, 4, 17, tzinfo=UTC)),
        ("2024-05-04T17:00:00.123Z", datetime(2024, 5, 4, 17, 0, 0, 123000, tzinfo=UTC)),
        ("2024-05-04T17:00:00.123456Z", datetime(2024, 5, 4, 17, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-04t17:00:00.1234569z", datetime(2024, 5, 4, 17, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-04T17:00:00,5Z", datetime(2024, 5, 4, 17, 0, 0, 500000, tzinfo=UTC)),
        ("2023-05-04T12:00:00-05:00", datetime(2023, 5, 4, 12, tzinfo=_tz(-5))),
        ("2008-09-15T15:53:00.601+00:00", datetime(2008, 9, 15, 15, 53, 0, 601000, tzinfo=UTC)),
        ("2024-05-04T17:00:00+0530", datetime(2024, 5, 4, 17, tzinfo=_tz(5, 30))),
        ("2024-05-04T17:00:00+01", datetime(2024, 5, 4, 17, tzinfo=_tz(1))),
        ("2024-05-04T17:00:00-00:30", datetime(2024, 5, 4, 17, tzinfo=_tz(0, -30))),
        ("2024-05-04T17:00Z", datetime(2024, 5, 4, 17, tzinfo=UTC)),
        ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),
        ("2000-02-29T00:00:00Z", datetime(2000, 2, 29, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_accepts_iso8601_with_time_zone(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("should fail", "not in the form"),
        ("01/011/2015", "not in the form"),
        ("2024-05-04", "not in the form"),
        ("2024-05-04 17:00:00Z", "not in the form"),
        ("20240504T170000Z", "not in the form"),
        ("2024-05-04T17:00:00", "no time zone"),
        ("2008-09-15T15:53:00.601-00:00", "-00:00"),
        ("2008-09-15T15:53:00.601-0000", "-00:00"),
        ("2008-09-15T15:53:00.601-00", "-00:00"),
        ("2024-05-04T17:00:00+25:00", "time zone"),
        ("2024-05-04T17:00:00 Z", "time zone"),
        ("2024-13-04T17:00:00Z", "calendar date"),
        ("2024-00-04T17:00:00Z", "calendar date"),
        ("2024-02-30T17:00:00Z", "calendar date"),
        ("2023-02-29T17:00:00Z", "calendar date"),
        ("1900-02-29T17:00:00Z", "calendar date"),
        ("2024-04-31T17:00:00Z", "calendar date"),
        ("0000-01-01T00:00:00Z", "calendar date"),
        ("2024-05-04T24:00:00Z", "time of day"),
        ("2024-05-04T23:60:00Z", "time of day"),
        ("2024-05-04T23:59:60Z", "time of day"),
        ("\uff12\uff10\uff12\uff14-05-04T17:00:00Z", "not in the form"),  # full-width digits
    ],
)
def test_parse_timestamp_rejects_invalid_values_and_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_timestamp(text)
    assert reason in timestamp_problem(text)


def test_parse_timestamp_rejects_non_strings() -> None:
    with pytest.raises(ValueError, match="string"):
        parse_timestamp(20240504)  # type: ignore[arg-type]


def test_pattern_and_parser_agree_on_calendar_edge_cases() -> None:
    pattern = re.compile(TIMESTAMP_PATTERN)
    start = datetime(2023, 12, 25, tzinfo=UTC)
    for offset in range(0, 500):
        day = start + timedelta(days=offset)
        assert pattern.match(to_utc_string(day))
    for bad in ("2100-02-29", "2023-06-31", "2023-09-31", "2023-11-31"):
        assert pattern.match(f"{bad}T00:00:00Z") is None


def test_to_utc_string_converts_to_utc_with_microseconds_and_z() -> None:
    dt = parse_timestamp("2023-05-04T12:00:00.5-05:00")
    assert to_utc_string(dt) == "2023-05-04T17:00:00.500000Z"
    assert to_utc_string(datetime(2026, 11, 22, 18, 35, 0, 123456, tzinfo=UTC)) == (
        "2026-11-22T18:35:00.123456Z"
    )
    assert to_utc_string(datetime(5, 1, 1, tzinfo=UTC)) == "0005-01-01T00:00:00.000000Z"


def test_to_utc_string_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        to_utc_string(datetime(2024, 1, 1))


def test_now_utc_is_aware_and_current() -> None:
    now = now_utc()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("dt", "us"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
        (datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), 1),
        (datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), -1),
        (datetime(2024, 5, 4, 17, 0, 0, 123456, tzinfo=UTC), 1714842000123456),
        (datetime(2024, 5, 4, 12, 0, 0, 123456, tzinfo=_tz(-5)), 1714842000123456),
    ],
)
def test_micros_counts_exact_microseconds_since_the_epoch(dt: datetime, us: int) -> None:
    assert micros(dt) == us
    assert from_micros(us) == dt
    assert from_micros(us).utcoffset() == timedelta(0)


def test_micros_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        micros(datetime(2024, 1, 1))


_aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, _tz(-5), _tz(5, 30), _tz(14), _tz(-12)]),
)


@given(_aware)
def test_utc_string_round_trips_through_parse(dt: datetime) -> None:
    text = to_utc_string(dt)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", text)
    assert parse_timestamp(text) == dt


@given(_aware)
def test_micros_round_trips(dt: datetime) -> None:
    assert from_micros(micros(dt)) == dt
