"""Due times of every deadline rule, over a table of cases with fixed dates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.config.base import Platform
from bot.config.deadlines import parse
from bot.config.reader import Section
from bot.domain.deadlines import (
    CUTOFF,
    ESCALATE,
    OVERDUE,
    WARN,
    Rule,
    due_time,
    is_overdue,
    ladder,
    last_passed,
    next_rung,
)
from bot.domain.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
PLATFORMS = SimpleNamespace(platforms=(Platform("tmall", "天猫", ()), Platform("jd", "京东", ())))
RULES = parse(Section({}, "deadlines"), PLATFORMS).rules  # type: ignore[arg-type]  # the seed rules
CAL = WorkCalendar()


def at(text: str) -> datetime:
    """Return a local ``YYYY-MM-DD HH:MM`` in Shanghai."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


# (rule, received, expected due, why) — 2026-11-23 is a Monday.
CASES = [
    ("dunning", "2026-11-23 07:59", "2026-11-23 10:30", "placed before 08:00"),
    ("dunning", "2026-11-23 08:00", "2026-11-23 16:30", "08:00 is no longer before 08:00"),
    ("dunning", "2026-11-23 14:59", "2026-11-23 16:30", "placed before 15:00"),
    ("dunning", "2026-11-23 15:00", "2026-11-24 10:30", "15:00 rolls to next morning"),
    ("dunning", "2026-11-23 23:50", "2026-11-24 10:30", "placed late at night"),
    ("dunning", "2026-11-24 00:10", "2026-11-24 10:30", "placed just after midnight"),
    ("dunning", "2026-11-28 16:31", "2026-11-29 10:30", "dunning runs at weekends too"),
    ("vip", "2026-11-23 10:29", "2026-11-23 12:00", "Vipshop morning window"),
    ("vip", "2026-11-23 10:30", "2026-11-23 18:00", "Vipshop afternoon window"),
    ("vip", "2026-11-23 16:00", "2026-11-24 12:00", "Vipshop after 16:00"),
    ("refund", "2026-11-23 09:58", "2026-11-23 10:00", "refund before 09:59"),
    ("refund", "2026-11-23 09:59", "2026-11-23 17:30", "refund at 09:59"),
    ("refund", "2026-11-23 17:29", "2026-11-24 10:00", "refund at 17:29"),
    ("jd", "2026-11-23 09:00", "2026-11-23 11:00", "JD inside hours"),
    ("jd", "2026-11-23 08:00", "2026-11-23 11:00", "JD before opening counts from 09:00"),
    ("jd", "2026-11-23 16:00", "2026-11-23 18:00", "JD ending exactly at closing"),
    ("jd", "2026-11-23 16:30", "2026-11-24 09:30", "JD at 16:30 carries half an hour"),
    ("jd", "2026-11-23 16:31", "2026-11-24 09:31", "JD at 16:31 carries 31 minutes"),
    ("jd", "2026-11-23 18:00", "2026-11-24 11:00", "JD at closing starts next morning"),
    ("jd", "2026-11-27 17:30", "2026-11-30 10:30", "JD Friday 17:30 → Monday 10:30"),
    ("jd", "2026-11-28 10:00", "2026-11-30 11:00", "JD on Saturday waits for Monday"),
    ("jd", "2026-09-24 17:00", "2026-09-28 10:00", "JD over the Mid-Autumn holiday"),
    ("jd", "2026-09-30 17:00", "2026-10-08 10:00", "JD over National Day week"),
    ("jd", "2026-10-09 17:30", "2026-10-10 10:30", "JD on the 调休 working Saturday"),
    ("jd", "2026-12-31 17:30", "2027-01-01 10:30", "2027: fallback Mon–Fri"),
    ("email", "2026-11-23 10:00", "2026-11-24 10:00", "email within one working day"),
    ("email", "2026-11-27 10:00", "2026-11-30 10:00", "email on Friday → Monday"),
    ("tmall", "2026-11-28 10:00", "2026-11-30 10:00", "Tmall 48 h, weekends count"),
    ("erp", "2026-11-23 23:30", "2026-11-24 23:30", "ERP 24 h"),
    ("shipped", "2026-11-23 15:00", "2026-11-30 15:00", "day 7 after shipping"),
]


@pytest.mark.parametrize(("rule", "received", "expected", "why"), CASES)
def test_due_time_follows_the_rule(rule: str, received: str, expected: str, why: str) -> None:
    assert due_time(RULES[rule], at(received), TZ, CAL) == at(expected), why


def test_team_holiday_in_a_year_beyond_the_calendar_moves_the_deadline() -> None:
    calendar = WorkCalendar(holidays=[datetime(2027, 1, 1).date()])
    due = due_time(RULES["jd"], at("2026-12-31 17:30"), TZ, calendar)
    assert due == at("2027-01-04 10:30")


def test_team_make_up_day_beyond_the_calendar_counts_as_working() -> None:
    calendar = WorkCalendar(workdays=[datetime(2027, 1, 2).date()])
    due = due_time(RULES["email"], at("2027-01-01 17:00"), TZ, calendar)
    assert due == at("2027-01-02 17:00")


def test_cutoff_rule_on_working_days_rolls_over_the_weekend() -> None:
    rule = Rule("x", "x", CUTOFF, windows=((time(10, 30), time(12, 0)),), workdays=True)
    assert due_time(rule, at("2026-11-27 11:00"), TZ, CAL) == at("2026-11-30 12:00")
    assert due_time(rule, at("2026-11-28 09:00"), TZ, CAL) == at("2026-11-30 12:00")


def test_item_due_at_1630_is_overdue_at_1631_not_at_1630() -> None:
    due = at("2026-11-23 16:30")
    assert not is_overdue(due, at("2026-11-23 16:30"))
    assert is_overdue(due, at("2026-11-23 16:31"))


def test_default_ladder_warns_twice_then_overdue_then_escalates() -> None:
    due = at("2026-11-23 10:30")
    rungs = ladder(RULES["dunning"], due)
    assert [(r.kind, r.at) for r in rungs] == [
        (WARN, due - timedelta(minutes=30)),
        (WARN, due - timedelta(minutes=10)),
        (OVERDUE, due),
        (ESCALATE, due + timedelta(minutes=60)),
    ]


def test_after_downtime_only_the_latest_passed_rung_is_sent() -> None:
    rungs = ladder(RULES["dunning"], at("2026-11-23 10:30"))
    assert last_passed(rungs, 0, at("2026-11-23 10:45")) == 2
    assert last_passed(rungs, 0, at("2026-11-23 09:00")) == -1
    assert next_rung(rungs, at("2026-11-23 10:25")) == 2
