"""Working days: the Chinese calendar (holidays, 调休) with a Monday–Friday fallback."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar


class WorkCalendar:
    """Answers whether a date is a working day, for any date, without ever raising.

    The team's own lists win over everything (a shop holiday, an extra working Saturday).
    Then ``chinese_calendar`` decides, for the years it knows; beyond them Monday–Friday.
    """

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self._cache: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        """Whether people work on ``day`` (the team's lists, the calendar, or Mon–Fri)."""
        known = self._cache.get(day)
        if known is not None:
            return known
        if day in self.workdays:
            result = True
        elif day in self.holidays:
            result = False
        else:
            try:
                result = bool(chinese_calendar.is_workday(day))
            except (NotImplementedError, ValueError, KeyError):
                result = day.isoweekday() <= 5
        self._cache[day] = result
        return result

    def covers(self, year: int) -> bool:
        """Whether the bundled calendar knows ``year`` (otherwise the fallback applies)."""
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except (NotImplementedError, ValueError, KeyError):
            return False
        return True

    def next_workday(self, day: date) -> date:
        """Return ``day`` itself when it is a working day, else the next one."""
        for _ in range(366):
            if self.is_workday(day):
                return day
            day += timedelta(days=1)
        return day  # a year without a working day is a settings mistake; do not loop forever

    def uncovered_years(self, start: date, days: int) -> list[int]:
        """Return the years between ``start`` and ``start + days`` the calendar does not know."""
        years = range(start.year, (start + timedelta(days=days)).year + 1)
        return [y for y in years if not self.covers(y)]
