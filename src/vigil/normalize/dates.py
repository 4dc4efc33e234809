"""ISO 8601 dates, partial dates (YYYY, YYYY-MM) and timestamps.

Sources often know only the year or month of a date of birth or of a move, so
a date is a :class:`PartialDate` covering a range of days (``lo``..``hi``)
rather than a ``datetime.date`` with made-up parts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from vigil.normalize._text import CACHE_SIZE

MIN_YEAR = 1800
MAX_YEAR = 2100

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# A date followed by a time part: only the calendar date is kept by parse_date.
_TIMESTAMP_HEAD = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        # Validating here too means no code path can hold an impossible date.
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year:04d} out of range {MIN_YEAR}-{MAX_YEAR}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"impossible date {self.iso}")
        if self.day is not None and not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]:
            raise ValueError(f"impossible date {self.iso}")

    @property
    def precision(self) -> str:
        if self.day is not None:
            return "day"
        return "year" if self.month is None else "month"

    @property
    def lo(self) -> dt.date:
        """First day the date may be."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def hi(self) -> dt.date:
        """Last day the date may be."""
        if self.day is not None:
            return dt.date(self.year, self.month, self.day)  # type: ignore[arg-type]
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def __str__(self) -> str:
        return self.iso

    def overlaps(self, other: PartialDate) -> bool:
        """True when both could be the same day (e.g. 1980 and 1980-05-17)."""
        return self.lo <= other.hi and other.lo <= self.hi

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        return cls(value.year, value.month, value.day)


@lru_cache(maxsize=CACHE_SIZE)
def parse_date(value: str) -> PartialDate:
    """Parse "YYYY-MM-DD", "YYYY-MM" or "YYYY" (a full timestamp gives its date).

    Raises ValueError with a short reason for bad formats, impossible dates and
    years outside 1800-2100.
    """
    text = str(value).strip()
    head = _TIMESTAMP_HEAD.match(text)
    if head:
        date = _checked(*head.group(1).split("-"))
        # Check the whole timestamp so "2023-05-17T99:00" is not half-accepted.
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date: {value!r}") from None
        return date
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    return _checked(*match.groups())


def _checked(year: str, month: str | None, day: str | None) -> PartialDate:
    try:
        return PartialDate(int(year), int(month) if month else None, int(day) if day else None)
    except ValueError as exc:
        if str(exc).startswith("year"):
            raise ValueError(f"year {year} out of range {MIN_YEAR}-{MAX_YEAR}") from None
        text = "-".join(p for p in (year, month, day) if p)
        raise ValueError(f"impossible date {text}") from None


@lru_cache(maxsize=CACHE_SIZE)
def parse_timestamp(value: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp into an aware datetime.

    A timestamp without offset, a date, or a partial date is taken as UTC (a
    date as its first midnight): sources that only know the day of an event
    are still placed on the timeline instead of being rejected.
    """
    text = str(value).strip()
    if not _TIMESTAMP_HEAD.match(text):
        if not _DATE.fullmatch(text):
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
        return dt.datetime.combine(parse_date(text).lo, dt.time(), tzinfo=dt.UTC)
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        parse_date(text[:10])  # reports an impossible calendar date precisely
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from None
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:
        raise ValueError(f"year {stamp.year:04d} out of range {MIN_YEAR}-{MAX_YEAR}")
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def day_month_swapped(d: PartialDate) -> PartialDate | None:
    """The date with day and month exchanged, when that is another valid date.

    A DOB typed as DD-MM instead of MM-DD is a common clerical error; matching
    tries this variant.
    """
    if d.day is None or d.month is None or d.day == d.month or d.day > 12:
        return None
    try:
        return PartialDate(d.year, d.day, d.month)
    except ValueError:
        return None
