"""xAPI timestamps: parsing, UTC serialisation and microsecond arithmetic.

Accepted form (xAPI Data 4.5: ISO 8601 combined date and time, RFC 3339 profile),
the same for statement ``timestamp``/``stored`` and for the ``since``/``until``
query parameters:

    YYYY-MM-DD T hh:mm[:ss[.fraction]] zone

* ``T`` may be lower case and the fraction may use ``,`` (both ISO 8601);
  fraction digits beyond microseconds are truncated.
* A time zone is required: ``Z`` (or ``z``), ``±hh:mm``, ``±hhmm`` or ``±hh``.
  The "unknown offset" forms ``-00``, ``-0000`` and ``-00:00`` are rejected: ISO 8601
  does not allow a negative zero offset, and ADL's conformance suites (1.0.3 and 2.0)
  require their rejection.
* The date must exist in the calendar (no month 13, no 30 February). Leap seconds
  (``:60``) are rejected because ``datetime`` cannot represent them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# Shared with the JSON Schema (lrs/xapi/schema.py): written in the common subset of
# Python `re`, ECMA-262 and Rust `regex` syntax (no lookaround, no named groups,
# [0-9] rather than \d, which is Unicode-aware in both Python and Rust).
TIMESTAMP_PATTERN = (
    r"^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]"
    r"([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]+))?)?"
    r"(Z|z"
    r"|\+(?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?"
    r"|-(?:0[1-9]|1[0-9]|2[0-3])(?::?[0-5][0-9])?"
    r"|-00:?(?:0[1-9]|[1-5][0-9]))$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZONES: dict[str, timezone] = {}


def _zone(text: str) -> timezone:
    zone = _ZONES.get(text)
    if zone is None:
        if text in ("Z", "z"):
            zone = UTC
        else:
            digits = text[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
            zone = timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))
        if len(_ZONES) < 1024:
            _ZONES[text] = zone
    return zone


def parse_timestamp(value: str) -> datetime:
    """An aware datetime for an xAPI timestamp; ValueError if `value` is not one."""
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, not {type(value).__name__}")
    match = _TIMESTAMP.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date-time with a time zone "
            "(e.g. 2024-05-04T17:00:00.000Z)"
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second) if second else 0,
            micro,
            tzinfo=_zone(zone),
        )
    except ValueError as exc:  # e.g. 30 February, year 0000
        raise ValueError(f"{value!r} is not a real date: {exc}") from None


def to_utc_string(dt: datetime) -> str:
    """`dt` in UTC as ``YYYY-MM-DDThh:mm:ss.ffffffZ`` (always six fraction digits)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("to_utc_string needs an aware datetime")
    u = dt.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


def micros(dt: datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z (exact integer arithmetic)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("micros needs an aware datetime")
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int) -> datetime:
    """The aware UTC datetime `us` microseconds after the epoch."""
    return _EPOCH + timedelta(microseconds=us)
