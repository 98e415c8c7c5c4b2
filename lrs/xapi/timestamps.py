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
* The date must exist in the calendar (no month 13, no 30 February, 29 February only in
  leap years, no year 0000); the pattern itself encodes this. Leap seconds (``:60``)
  are rejected because ``datetime`` cannot represent them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# Shared with the JSON Schema (lrs/xapi/schema.py): written in the common subset of
# Python `re`, ECMA-262 and Rust `regex` syntax (no lookaround, no named groups,
# [0-9] rather than \d, which is Unicode-aware in both Python and Rust).
# The date part only matches real calendar dates (30-day months, 29 February in leap
# years only, no year 0000), so the schema check alone rejects 2024-02-30.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (
    f"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    f"|{_LEAP_YEAR}-02-29)"
)
# Groups: 1 = fraction digits, 2 = zone. Fields are read by position (the date part
# is fixed-width): YYYY-MM-DDThh:mm[:ss].
TIMESTAMP_PATTERN = (
    f"^{_DATE}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,]([0-9]+))?)?"
    "(Z|z"
    r"|\+(?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?"
    "|-(?:0[1-9]|1[0-9]|2[0-3])(?::?[0-5][0-9])?"
    "|-00:?(?:0[1-9]|[1-5][0-9]))$"
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


_LOOSE = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,][0-9]+)?)?(.*)$"
)


def timestamp_problem(value: str) -> str:
    """Why `value` is not an accepted timestamp, in plain words (for error messages)."""
    loose = _LOOSE.match(value)
    if loose is None:
        return "it is not in the form YYYY-MM-DDThh:mm:ss[.fraction] followed by a time zone"
    year, month, day, hour, minute, second, zone = loose.groups()
    try:
        date(int(year), int(month), int(day))
    except ValueError as exc:
        return f"it is not a real calendar date ({exc})"
    if int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59):
        return "its time of day is out of range"
    if zone == "":
        return "it has no time zone (add 'Z' or an offset such as '+01:00')"
    if zone in ("-00", "-0000", "-00:00"):
        return "the offset -00:00 ('unknown local offset') is not allowed; use 'Z' or '+00:00'"
    return f"its time zone {zone!r} is not 'Z' or an offset such as '+01:00'"


def parse_timestamp(value: str) -> datetime:
    """An aware datetime for an xAPI timestamp; ValueError if `value` is not one."""
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, not {type(value).__name__}")
    match = _TIMESTAMP.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an xAPI timestamp: {timestamp_problem(value)}")
    fraction, zone = match.groups()
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return datetime(
        int(value[0:4]),
        int(value[5:7]),
        int(value[8:10]),
        int(value[11:13]),
        int(value[14:16]),
        int(value[17:19]) if value[16:17] == ":" else 0,
        micro,
        tzinfo=_zone(zone),
    )


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
