"""Shifts (班次): windows in local time, including shifts that end after midnight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Shift:
    """One shift of the team's day, in local clock times."""

    key: str
    name: str
    login: time
    checkin_deadline: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        """Whether the shift ends on the calendar day after it starts."""
        return self.end <= self.login

    def start_at(self, day: date, tz: ZoneInfo) -> datetime:
        """Return the aware start (login) of this shift on ``day``."""
        return datetime.combine(day, self.login, tzinfo=tz)

    def deadline_at(self, day: date, tz: ZoneInfo) -> datetime:
        """Return the aware check-in deadline of this shift on ``day``."""
        deadline = datetime.combine(day, self.checkin_deadline, tzinfo=tz)
        if self.checkin_deadline < self.login:
            deadline += timedelta(days=1)
        return deadline

    def end_at(self, day: date, tz: ZoneInfo) -> datetime:
        """Return the aware end of this shift that starts on ``day``."""
        end = datetime.combine(day, self.end, tzinfo=tz)
        if self.crosses_midnight:
            end += timedelta(days=1)
        return end

    def contains(self, moment: datetime, day: date, tz: ZoneInfo) -> bool:
        """Whether ``moment`` falls inside this shift starting on ``day``."""
        return self.start_at(day, tz) <= moment < self.end_at(day, tz)

    def label(self) -> str:
        """Return e.g. ``白班 08:40–17:30``."""
        return f"{self.name} {self.login:%H:%M}–{self.end:%H:%M}"


def deadline_within_shift(shift: Shift) -> bool:
    """Whether the check-in deadline lies between login and end (midnight-aware)."""
    span = _minutes_after(shift.login, shift.end) or 24 * 60
    return 0 <= _minutes_after(shift.login, shift.checkin_deadline) < span


def _minutes_after(start: time, other: time) -> int:
    """Minutes from ``start`` forward to ``other`` on a 24-hour dial."""
    delta = (other.hour * 60 + other.minute) - (start.hour * 60 + start.minute)
    return delta % (24 * 60)


@dataclass(frozen=True)
class ShiftOccurrence:
    """One shift on one date (the date it starts on)."""

    shift: Shift
    day: date

    def start(self, tz: ZoneInfo) -> datetime:
        """Return the aware login moment."""
        return self.shift.start_at(self.day, tz)

    def deadline(self, tz: ZoneInfo) -> datetime:
        """Return the aware check-in deadline."""
        return self.shift.deadline_at(self.day, tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """Return the aware end."""
        return self.shift.end_at(self.day, tz)


def occurrences_between(
    shifts: tuple[Shift, ...], start: datetime, end: datetime, tz: ZoneInfo
) -> list[ShiftOccurrence]:
    """Return every shift occurrence whose login falls in ``[start, end)``, in order."""
    result = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        for shift in shifts:
            login = shift.start_at(day, tz)
            if start <= login < end:
                result.append(ShiftOccurrence(shift, day))
        day += timedelta(days=1)
    return sorted(result, key=lambda o: o.start(tz))


def occurrence_at(
    shifts: tuple[Shift, ...],
    moment: datetime,
    tz: ZoneInfo,
    early: timedelta = timedelta(minutes=60),
    late: timedelta = timedelta(0),
    shift_on: Callable[[date], str | None] | None = None,
) -> ShiftOccurrence | None:
    """Return the shift running at ``moment``, or the one starting within ``early`` after it.

    When two shifts overlap (the day shift's last hour and the night shift's first), the
    one that started last wins: an agent arriving at 16:40 belongs to the night shift.
    ``late`` keeps a shift for that long after its end; ``shift_on(day)``, when given, is the
    only shift that counts on each day (a member's own; None: off that day).
    """
    local = moment.astimezone(tz)
    candidates = []
    for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
        key = shift_on(day) if shift_on is not None else None
        for shift in shifts:
            if shift_on is not None and shift.key != key:
                continue
            start, end = shift.start_at(day, tz), shift.end_at(day, tz)
            if start - early <= local < end + late:
                candidates.append(ShiftOccurrence(shift, day))
    if not candidates:
        return None
    started = [c for c in candidates if c.start(tz) <= local]
    if started:
        return max(started, key=lambda c: c.start(tz))
    return min(candidates, key=lambda c: c.start(tz))
