"""The monthly attendance rule with a fixed time: what counts as a duty day, late, absent."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.attendance import Scoring, monthly_attendance
from bot.domain.checkin import Checkin, Status
from bot.domain.checkin_report import AttendanceRow
from bot.domain.members import Member, Role
from bot.domain.roster_rules import LEAVE, REST, DayOff
from bot.domain.shifts import Shift

TZ = ZoneInfo("Asia/Shanghai")
DAY = Shift("day", "白班", time(8, 40), time(8, 50), time(17, 30))
SCORING = Scoring(points=20, late=5, leave=5, absence=10)
ZHANG = Member(11, "1", "张三", Role.AGENT, "day")
LEAD = Member(80, "80", "李组长", Role.LEAD, "day")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def every_day(member: Member, day: date) -> Shift | None:
    """Put everyone on the day shift every day."""
    return DAY


def checkin(day: int, status: Status, late: int = 0) -> Checkin:
    return Checkin(
        date(2026, 11, day), "day", "1", "张三", at(f"2026-11-{day} 08:45"), status, late
    )


def count(
    checkins: list[Checkin], offs: list[DayOff], since: str, now: str
) -> list[AttendanceRow]:
    return monthly_attendance(
        2026, 11, [ZHANG, LEAD], every_day, checkins, offs, at(since), at(now), TZ, SCORING
    )


def test_only_shifts_whose_deadline_fell_while_recording_count() -> None:
    # recording began on the 23rd after its deadline; it is now the 25th before the deadline
    [row] = count([], [], since="2026-11-23 09:00", now="2026-11-25 08:49")
    assert (row.duty_days, row.missing, row.score) == (1, 1, 10)  # only the 24th


def test_late_minutes_add_up_and_each_late_day_costs_the_same() -> None:
    records = [
        checkin(23, Status.LATE, 3),
        checkin(24, Status.LATE, 40),
        checkin(25, Status.ON_TIME),
    ]
    [row] = count(records, [], since="2026-11-23 08:00", now="2026-11-25 12:00")
    assert row == AttendanceRow("1号 张三", 3, on_time=1, late=2, late_minutes=43, score=10)


def test_leave_counts_between_the_start_of_recording_and_today_and_rest_never() -> None:
    offs = [
        DayOff("1", date(2026, 11, 20), LEAVE, "80", at("2026-11-19 10:00")),  # before recording
        DayOff("1", date(2026, 11, 24), LEAVE, "80", at("2026-11-23 10:00")),
        DayOff("1", date(2026, 11, 25), REST, "80", at("2026-11-23 10:00")),
        DayOff("1", date(2026, 11, 27), LEAVE, "80", at("2026-11-23 10:00")),  # still ahead
    ]
    [row] = count([], offs, since="2026-11-23 08:00", now="2026-11-25 12:00")
    assert row.leave == 1


def test_leads_get_no_row_and_agents_with_nothing_to_count_are_left_out() -> None:
    assert count([], [], since="2026-11-25 12:00", now="2026-11-25 12:00") == []
