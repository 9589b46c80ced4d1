"""Business days for deadlines counted in days: Monday to Friday, less the public holidays of
the country whose bodies keep the deadline (the ``holidays`` package). A protection body does
not answer on Colombia's 8 December any more than on a Sunday, so a deadline that counted it
would fall a day early and raise a "missed deadline" task while the body is still within
its time."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.cache
def _holidays_of(country: str) -> holidays.HolidayBase | None:
    """The country's public holidays (years filled in as they are asked for), or none for a
    country the package does not know: then only weekends are skipped."""
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return None


def is_business_day(day: date, country: str | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    calendar = _holidays_of(country) if country else None
    return calendar is None or day not in calendar


def add_business_days(start: date, days: int, country: str | None = None) -> date:
    """The date ``days`` business days after ``start`` (``start`` itself does not count, so
    1 business day after a Friday is the Monday, or the Tuesday when that Monday is a public
    holiday in ``country``)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days:
        current += timedelta(days=1)
        if is_business_day(current, country):
            days -= 1
    return current
