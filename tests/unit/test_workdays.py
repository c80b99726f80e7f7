"""Working days: the Chinese calendar, the team's lists and the fallback beyond 2026."""

from __future__ import annotations

from datetime import date

from bot.domain.workdays import WorkCalendar


def test_national_day_is_a_holiday() -> None:
    assert not WorkCalendar().is_workday(date(2026, 10, 1))


def test_make_up_saturday_is_a_working_day() -> None:
    assert WorkCalendar().is_workday(date(2026, 10, 10))


def test_year_beyond_the_bundled_calendar_falls_back_to_monday_to_friday() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2027, 3, 5))  # Friday
    assert not calendar.is_workday(date(2027, 3, 6))  # Saturday
    assert not calendar.covers(2027) and calendar.covers(2026)


def test_team_lists_win_over_the_fallback() -> None:
    calendar = WorkCalendar(holidays=[date(2027, 2, 8)], workdays=[date(2027, 2, 6)])
    assert not calendar.is_workday(date(2027, 2, 8))
    assert calendar.is_workday(date(2027, 2, 6))


def test_far_past_or_future_dates_never_raise() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(date(1990, 1, 2))
    assert not calendar.is_workday(date(2100, 1, 2))  # a Saturday


def test_uncovered_years_looks_ahead_from_late_november() -> None:
    assert WorkCalendar().uncovered_years(date(2026, 11, 23), 60) == [2027]
    assert WorkCalendar().uncovered_years(date(2026, 3, 1), 60) == []
