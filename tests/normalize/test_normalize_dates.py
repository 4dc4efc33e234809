import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.normalize.dates import PartialDate, day_month_swapped, parse_date, parse_timestamp


@pytest.mark.parametrize(
    ("text", "year", "month", "day", "precision"),
    [
        ("2023-05-17", 2023, 5, 17, "day"),
        ("2023-05", 2023, 5, None, "month"),
        ("2023", 2023, None, None, "year"),
        (" 1980-01-02 ", 1980, 1, 2, "day"),
        ("2024-02-29", 2024, 2, 29, "day"),
        ("1800-01-01", 1800, 1, 1, "day"),
        ("2100-12-31", 2100, 12, 31, "day"),
        ("2023-05-17T10:20:30Z", 2023, 5, 17, "day"),
        ("2023-05-17T23:30:00-05:00", 2023, 5, 17, "day"),
        ("2023-05-17 08:00", 2023, 5, 17, "day"),
    ],
)
def test_parse_date_accepts_iso_forms(
    text: str, year: int, month: int | None, day: int | None, precision: str
):
    d = parse_date(text)
    assert (d.year, d.month, d.day) == (year, month, day)
    assert d.precision == precision


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-02-29", "impossible date 2023-02-29"),
        ("2023-02-30", "impossible date 2023-02-30"),
        ("2023-13", "impossible date 2023-13"),
        ("2023-00-10", "impossible date 2023-00-10"),
        ("2023-04-31", "impossible date 2023-04-31"),
        ("12/05/2023", "not an ISO 8601 date: '12/05/2023'"),
        ("2023-5-1", "not an ISO 8601 date: '2023-5-1'"),
        ("20230517", "not an ISO 8601 date: '20230517'"),
        ("", "not an ISO 8601 date: ''"),
        ("May 2023", "not an ISO 8601 date: 'May 2023'"),
        ("0999", "year 0999 out of range 1800-2100"),
        ("2101-01-01", "year 2101 out of range 1800-2100"),
        ("1799-12", "year 1799 out of range 1800-2100"),
        ("2023-05-17T25:00:00", "not an ISO 8601 date: '2023-05-17T25:00:00'"),
        ("2023-02-30T10:00:00Z", "impossible date 2023-02-30"),
    ],
)
def test_parse_date_rejects_with_reason(text: str, reason: str):
    with pytest.raises(ValueError) as err:
        parse_date(text)
    assert str(err.value) == reason


@pytest.mark.parametrize(
    ("text", "lo", "hi", "iso"),
    [
        ("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31), "2023"),
        ("2023-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28), "2023-02"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024-02"),
        ("2023-04", dt.date(2023, 4, 1), dt.date(2023, 4, 30), "2023-04"),
        ("2023-05-17", dt.date(2023, 5, 17), dt.date(2023, 5, 17), "2023-05-17"),
    ],
)
def test_partial_date_range_and_iso(text: str, lo: dt.date, hi: dt.date, iso: str):
    d = parse_date(text)
    assert (d.lo, d.hi) == (lo, hi)
    assert d.iso == iso
    assert str(d) == iso


def test_partial_date_is_frozen_and_hashable():
    d = parse_date("2023-05")
    assert d == PartialDate(2023, 5)
    assert len({d, PartialDate(2023, 5)}) == 1
    with pytest.raises(AttributeError):
        d.year = 2000  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "message"),
    [((2023, 2, 30), "impossible date 2023-02-30"), ((2023, None, 5), "a day needs a month")],
)
def test_partial_date_constructor_validates(args: tuple, message: str):
    with pytest.raises(ValueError, match=message):
        PartialDate(*args)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ("1980", "1980-05-17", True),
        ("1980-05", "1980-05-17", True),
        ("1980-06", "1980-05-17", False),
        ("1981", "1980-12-31", False),
        ("1980-05-17", "1980-05-17", True),
    ],
)
def test_overlaps(a: str, b: str, overlap: bool):
    assert parse_date(a).overlaps(parse_date(b)) is overlap
    assert parse_date(b).overlaps(parse_date(a)) is overlap


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1980-05-07", "1980-07-05"),
        ("1980-12-01", "1980-01-12"),
        ("1980-05-05", None),  # same date
        ("1980-05-17", None),  # no month 17
        ("1980-05", None),  # no day to swap
        ("1980", None),
    ],
)
def test_day_month_swapped(text: str, expected: str | None):
    swapped = day_month_swapped(parse_date(text))
    assert (swapped.iso if swapped else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-05-17T10:20:30+02:00", dt.datetime(2023, 5, 17, 8, 20, 30, tzinfo=dt.UTC)),
        ("2023-05-17T10:20:30Z", dt.datetime(2023, 5, 17, 10, 20, 30, tzinfo=dt.UTC)),
        ("2023-05-17T10:20:30", dt.datetime(2023, 5, 17, 10, 20, 30, tzinfo=dt.UTC)),
        ("2023-05-17 10:20", dt.datetime(2023, 5, 17, 10, 20, tzinfo=dt.UTC)),
        ("2023-05-17", dt.datetime(2023, 5, 17, tzinfo=dt.UTC)),
        ("2023-05", dt.datetime(2023, 5, 1, tzinfo=dt.UTC)),
    ],
)
def test_parse_timestamp(text: str, expected: dt.datetime):
    stamp = parse_timestamp(text)
    assert stamp.tzinfo is not None
    assert stamp == expected


def test_parse_timestamp_keeps_offset():
    stamp = parse_timestamp("2023-05-17T10:20:30-05:00")
    assert stamp.utcoffset() == dt.timedelta(hours=-5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("yesterday", "not an ISO 8601 timestamp"),
        ("2023-02-30T10:00:00Z", "impossible date 2023-02-30"),
        ("2023-05-17T10:61:00", "not an ISO 8601 timestamp"),
        ("1700-01-01T00:00:00Z", "year 1700 out of range"),
        ("17/05/2023 10:00", "not an ISO 8601 timestamp"),
    ],
)
def test_parse_timestamp_rejects(text: str, reason: str):
    with pytest.raises(ValueError, match=reason):
        parse_timestamp(text)


@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_any_real_date_round_trips(day: dt.date):
    d = parse_date(day.isoformat())
    assert d.lo == d.hi == day
    assert parse_date(d.iso) == d
    assert PartialDate.from_date(day) == d
