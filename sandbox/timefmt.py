"""Date parsing and the several output formats Capillary uses (all in UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_REQUEST = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?"
)
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Keep every stored instant printable as a four-digit year.
MIN_MS = int((datetime(1, 1, 2, tzinfo=UTC) - EPOCH) / timedelta(milliseconds=1))
MAX_MS = int((datetime(9999, 12, 30, tzinfo=UTC) - EPOCH) / timedelta(milliseconds=1))


def parse_instant(value: str, end_of_day: bool = False) -> int:
    """Epoch ms of a request date-time; a date alone means its first (or last) millisecond.

    Out-of-range fields roll over (2024-13-01 is 2025-01-01), as Java's lenient calendar does:
    the spec's pattern admits them, and the sandbox rejects only what the spec rejects.
    """
    match = _REQUEST.fullmatch(value)
    if match is None:
        raise ValueError(f"not a date-time: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    months = int(year) * 12 + int(month) - 1
    first = datetime(min(max(months // 12, 1), 9999), months % 12 + 1, 1, tzinfo=UTC)
    offset = timedelta(
        days=int(day) - 1,
        hours=int(hour or 0),
        minutes=int(minute or 0),
        seconds=int(second or 0),
        milliseconds=int((fraction or "0").ljust(3, "0")[:3]),
    )
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    ms = int((first - EPOCH) / timedelta(milliseconds=1)) + int(offset / timedelta(milliseconds=1))
    if hour is None and end_of_day:
        ms += DAY_MS - 1
    return max(MIN_MS, min(MAX_MS, ms))


# Formatting dominates rendering, and the same instants (a group's createdOn, a period's bounds)
# are formatted on every read: the formatters below are memoised.


def _dt(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def _date(moment: datetime) -> str:
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on glibc.
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def _time(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


@lru_cache(maxsize=65536)
def date_str(ms: int) -> str:
    """`2024-10-08` (period and group dates)."""
    return _date(_dt(ms))


@lru_cache(maxsize=65536)
def iso_millis(ms: int) -> str:
    """`2024-10-08T00:00:00.000Z` (cycle dates)."""
    moment = _dt(ms)
    return f"{_date(moment)}T{_time(moment)}.{ms % 1000:03d}Z"


@lru_cache(maxsize=65536)
def capillary_timestamp(ms: int) -> str:
    """`2024-11-25T04:36:21.000+0000` (attribution createdOn / lastUpdatedOn)."""
    moment = _dt(ms)
    return f"{_date(moment)}T{_time(moment)}.{ms % 1000:03d}+0000"


@lru_cache(maxsize=65536)
def iso_seconds(ms: int) -> str:
    """`2025-07-23T07:18:01Z` (the newer *ISO twins)."""
    moment = _dt(ms)
    return f"{_date(moment)}T{_time(moment)}Z"
