"""Deadline rules in three shapes, the due time of an item, and its reminder ladder.

- cutoff windows: "received before HH:MM → due HH:MM"; after the last window the first
  window of the next day (next working day when the rule says so) applies;
- business hours: N working hours inside daily opening hours on working days;
- calendar durations: N hours, whatever the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.workdays import WorkCalendar

CUTOFF = "cutoff"
BUSINESS = "business"
CALENDAR = "calendar"
KINDS = (CUTOFF, BUSINESS, CALENDAR)

# Rung kinds of the reminder ladder, in the order they fire.
WARN = "warn"  # to the owner, before due
OVERDUE = "overdue"  # at due: owner and lead, "已超时"
ESCALATE = "escalate"  # after due: leads and admins
OPEN = "open"  # a follow-up visit window opens: the owner, with the script


@dataclass(frozen=True)
class Rule:
    """One deadline rule: its shape, its numbers and its reminder ladder."""

    name: str
    label: str
    kind: str
    windows: tuple[tuple[time, time], ...] = ()  # cutoff: (received before, due at)
    hours: float = 0.0  # business: working hours; calendar: hours
    opens: time = time(9, 0)  # business hours
    closes: time = time(18, 0)
    workdays: bool = False  # cutoff: roll to the next working day; business: always
    owner: str = "creator"  # "creator" or "holder" (谁挂号谁催付)
    warn_before: tuple[int, ...] = (30, 10)  # minutes before due
    escalate_after: int | None = 60  # minutes after due


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: when it fires and what it is."""

    at: datetime
    kind: str
    minutes: int = 0  # before (warn) or after (escalate) due


def due_time(rule: Rule, received: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """Return when an item received at ``received`` (aware) falls due under ``rule``."""
    if rule.kind == CUTOFF:
        return _cutoff_due(rule, received.astimezone(tz), tz, calendar)
    if rule.kind == BUSINESS:
        return _business_due(rule, received.astimezone(tz), tz, calendar)
    if rule.kind == CALENDAR:
        return received + timedelta(hours=rule.hours)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _cutoff_due(rule: Rule, local: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    day = local.date()
    if not rule.workdays or calendar.is_workday(day):
        for before, due in rule.windows:
            if local.time() < before:
                return _at(day, due, tz)
    nxt = day + timedelta(days=1)
    if rule.workdays:
        nxt = calendar.next_workday(nxt)
    return _at(nxt, rule.windows[0][1], tz)


def _business_due(rule: Rule, local: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    left = timedelta(hours=rule.hours)
    day = local.date()
    moment = local
    for _ in range(3660):  # ten years of days: a guard, never reached with sane settings
        if calendar.is_workday(day):
            opens, closes = _at(day, rule.opens, tz), _at(day, rule.closes, tz)
            start = max(moment, opens)
            if start < closes:
                if start + left <= closes:
                    return start + left
                left -= closes - start
        day += timedelta(days=1)
        moment = _at(day, rule.opens, tz)
    raise ValueError("no working hours found within ten years")


def business_day_hours(rule: Rule) -> float:
    """Return the length of one working day of a business-hours rule, in hours."""
    opens = rule.opens.hour * 60 + rule.opens.minute
    closes = rule.closes.hour * 60 + rule.closes.minute
    return (closes - opens) / 60


def ladder(rule: Rule, due: datetime) -> list[Rung]:
    """Return the reminder rungs of an item due at ``due``, in firing order."""
    rungs = [
        Rung(due - timedelta(minutes=m), WARN, m) for m in sorted(rule.warn_before, reverse=True)
    ]
    rungs.append(Rung(due, OVERDUE))
    if rule.escalate_after is not None:
        rungs.append(
            Rung(due + timedelta(minutes=rule.escalate_after), ESCALATE, rule.escalate_after)
        )
    return rungs


def next_rung(rungs: list[Rung], now: datetime) -> int:
    """Return the index of the first rung still to come after ``now`` (len when none)."""
    for index, rung in enumerate(rungs):
        if rung.at > now:
            return index
    return len(rungs)


def first_rung(rungs: list[Rung], now: datetime) -> int:
    """Return the rung a new item starts at: the next one to come, or a passed escalation.

    An item registered already overdue does not replay its 已超时 rung: registering it tells
    the owner once how late it is. A passed escalation still goes to the leads at once.
    """
    upcoming = next_rung(rungs, now)
    if upcoming > 0 and rungs[upcoming - 1].kind == ESCALATE:
        return upcoming - 1
    return upcoming


def skipped_overdue(rungs: list[Rung], start: int, index: int) -> bool:
    """Whether sending rung ``index`` (from ``start`` on) jumps over the 已超时 rung.

    After downtime only the latest rung goes out; when that is the escalation, the owner
    would never hear about their own overdue item unless told with it.
    """
    return any(rungs[i].kind == OVERDUE for i in range(start, index))


def last_passed(rungs: list[Rung], start: int, now: datetime) -> int:
    """Return the index of the latest rung from ``start`` on that is due by ``now`` (-1: none).

    After downtime several rungs may have passed; only the latest one still says something
    true (a "30 minutes left" warning for an item an hour overdue would mislead).
    """
    found = -1
    for index in range(start, len(rungs)):
        if rungs[index].at <= now:
            found = index
    return found


def is_overdue(due: datetime, now: datetime) -> bool:
    """Whether an item due at ``due`` is overdue at ``now`` (due at 16:30 is late at 16:31)."""
    return now > due


def lateness_minutes(due: datetime, now: datetime) -> int:
    """Return how many whole minutes ``now`` is past ``due`` (0 when not late)."""
    return max(0, int((now - due).total_seconds() // 60))
