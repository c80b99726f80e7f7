"""Shift windows in local time, including a night shift that ends after midnight."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.shifts import Shift, occurrence_at, occurrences_between

TZ = ZoneInfo("Asia/Shanghai")
DAY = Shift("day", "白班", time(8, 40), time(8, 50), time(17, 30))
NIGHT = Shift("night", "晚班", time(16, 30), time(16, 35), time(0, 30))
SHIFTS = (DAY, NIGHT)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def test_a_night_shift_ending_at_half_past_midnight_ends_the_next_day() -> None:
    assert NIGHT.end_at(date(2026, 11, 23), TZ) == at("2026-11-24 00:30")


def test_twenty_past_midnight_still_belongs_to_yesterdays_night_shift() -> None:
    occ = occurrence_at(SHIFTS, at("2026-11-24 00:20"), TZ)
    assert occ is not None and occ.shift.key == "night" and occ.day == date(2026, 11, 23)


def test_an_agent_arriving_before_login_belongs_to_the_coming_shift() -> None:
    occ = occurrence_at(SHIFTS, at("2026-11-23 08:25"), TZ)
    assert occ is not None and occ.shift.key == "day" and occ.day == date(2026, 11, 23)


def test_in_the_overlap_the_shift_that_started_last_wins() -> None:
    occ = occurrence_at(SHIFTS, at("2026-11-23 16:40"), TZ)
    assert occ is not None and occ.shift.key == "night"


def test_three_in_the_morning_belongs_to_no_shift() -> None:
    assert occurrence_at(SHIFTS, at("2026-11-24 03:00"), TZ) is None


def test_a_late_window_keeps_a_shift_after_its_end() -> None:
    assert occurrence_at(SHIFTS, at("2026-11-24 02:00"), TZ) is None
    occ = occurrence_at(SHIFTS, at("2026-11-24 02:00"), TZ, late=timedelta(hours=3))
    assert occ is not None and occ.shift.key == "night" and occ.day == date(2026, 11, 23)


def test_with_a_roster_only_the_members_own_shift_counts() -> None:
    occ = occurrence_at(SHIFTS, at("2026-11-23 16:40"), TZ, shift_on=lambda _day: "day")
    assert occ is not None and occ.shift.key == "day"
    assert occurrence_at(SHIFTS, at("2026-11-23 10:00"), TZ, shift_on=lambda _day: None) is None
    assert occurrence_at(SHIFTS, at("2026-11-23 10:00"), TZ, shift_on=lambda _day: "gone") is None


def test_a_roster_is_asked_about_each_day_around_the_moment() -> None:
    monday_night = {date(2026, 11, 23): "night"}
    occ = occurrence_at(SHIFTS, at("2026-11-24 00:10"), TZ, shift_on=monday_night.get)
    assert occ is not None and occ.shift.key == "night" and occ.day == date(2026, 11, 23)
    tuesday_day = {date(2026, 11, 24): "day"}
    assert occurrence_at(SHIFTS, at("2026-11-24 00:10"), TZ, shift_on=tuesday_day.get) is None


def test_occurrences_between_lists_logins_in_order() -> None:
    found = occurrences_between(SHIFTS, at("2026-11-23 00:00"), at("2026-11-24 12:00"), TZ)
    assert [(o.day.day, o.shift.key) for o in found] == [(23, "day"), (23, "night"), (24, "day")]
