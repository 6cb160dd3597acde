"""Partial ISO dates (`1995`, `1995-06`, `1995-06-12`): parse, order, and map to day ranges."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from events.rules.limits import check_year

# ASCII digits only, and \Z: `$` would accept a trailing newline.
_PATTERN = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")


@lru_cache(maxsize=1 << 16)
def parse(text: str) -> tuple[int, int, int]:
    """(year, month, day) with 0 for parts not given; ValueError for anything but a real partial date.

    Cached: a log holds few distinct dates, and projections ask about each of them many times.
    """
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"'{text}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else 0 for part in match.groups())
    check_year(year, text)
    if match.group(2) and not 1 <= month <= 12:
        raise ValueError(f"'{text}' has no month {month}")
    if match.group(3) and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"'{text}' has no day {day} in that month")
    return year, month, day


def validate(text: str) -> str:
    parse(text)
    return text


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except (ValueError, TypeError):
        return False
    return True


def precision(text: str) -> str:
    """'year', 'month' or 'day'."""
    return ("year", "month", "day")[text.count("-")]


@lru_cache(maxsize=1 << 16)
def first_day(text: str) -> dt.date:
    year, month, day = parse(text)
    return dt.date(year, month or 1, day or 1)


@lru_cache(maxsize=1 << 16)
def last_day(text: str) -> dt.date:
    year, month, day = parse(text)
    if day:
        return dt.date(year, month, day)
    if month:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, 12, 31)


def sort_key(text: str) -> tuple[int, int, int]:
    """Orders a coarse date before finer dates inside it: 1995 < 1995-01 < 1995-01-01 < 1995-02."""
    return parse(text)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
