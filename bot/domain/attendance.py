"""The monthly attendance rule (考勤) behind the KPI: duty days, late, missing, leave, points."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.checkin import Checkin, Status, attendance_score
from bot.domain.checkin_report import AttendanceRow
from bot.domain.members import Member, Role, short_name
from bot.domain.roster_rules import LEAVE, DayOff
from bot.domain.shifts import Shift


@dataclass(frozen=True)
class Scoring:
    """The KPI's attendance points and what each late arrival, leave and absence costs."""

    points: int
    late: int
    leave: int
    absence: int


def monthly_attendance(
    year: int,
    month: int,
    members: Iterable[Member],
    shift_on: Callable[[Member, date], Shift | None],
    checkins: Iterable[Checkin],
    offs: Iterable[DayOff],
    since: datetime,
    now: datetime,
    tz: ZoneInfo,
    scoring: Scoring,
) -> list[AttendanceRow]:
    """Count each agent's shifts of a month whose check-in deadline fell in ``[since, now]``.

    ``shift_on(member, day)`` is the shift the member works that day (None: not working);
    ``since`` is when the bot began recording check-ins: earlier shifts are no absences.
    Agents with nothing to count (no duty day, leave or check-in off the roster) are left out.
    """
    records = {(c.day, c.shift, c.work_no): c for c in checkins}
    leaves = {(o.work_no, o.day) for o in offs if o.kind == LEAVE}
    first_day, today = since.astimezone(tz).date(), now.astimezone(tz).date()
    rows = []
    for member in members:
        if member.role is not Role.AGENT:
            continue
        row = AttendanceRow(label=short_name(member))
        day = date(year, month, 1)
        while day.month == month:
            shift = shift_on(member, day)
            if shift is not None and since <= shift.deadline_at(day, tz) <= now:
                row.duty_days += 1
                record = records.get((day, shift.key, member.work_no))
                if record is None:
                    row.missing += 1
                elif record.status is Status.LATE:
                    row.late += 1
                    row.late_minutes += record.late_minutes
                else:
                    row.on_time += 1
            if (member.work_no, day) in leaves and first_day <= day <= today:
                row.leave += 1
            day += timedelta(days=1)
        row.off_roster = sum(
            1
            for c in records.values()
            if c.work_no == member.work_no and c.status is Status.OFF_ROSTER
        )
        row.score = attendance_score(
            row.late,
            row.leave,
            row.missing,
            scoring.points,
            scoring.late,
            scoring.leave,
            scoring.absence,
        )
        if row.duty_days or row.leave or row.off_roster:
            rows.append(row)
    return rows
