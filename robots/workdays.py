"""The service level: a decision by the end of the next working day after submission.

Working days are Monday to Friday except Swedish public holidays and the eves offices close on
(midsommarafton, julafton, nyårsafton), from the `holidays` package.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_minute(value: datetime | None) -> str | None:
    """Swedish local time to the minute, as operators and caseworkers read it; None for none."""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value is not None else None


@cache
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("SE", years=year, include_sundays=False, categories=("public", "de_facto"))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def deadline_for(received_at: datetime) -> datetime:
    """The end (23:59:59 Swedish time) of the first working day after the day of submission."""
    local_day = received_at.astimezone(STOCKHOLM).date()
    return datetime.combine(next_working_day(local_day), time(23, 59, 59), STOCKHOLM)
