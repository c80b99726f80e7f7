"""Dates and months as users type them: 今天/昨天/明天, ``11-23``, ``11月23日``, ``2026-11``.

Every feature reads day and month arguments here, so they accept the same forms and
complain in the same words.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain.errors import UserError
from bot.domain.numbers import half_width

DAY_HELP = "可写 2026-11-23、11-23、11月23日、今天、昨天、前天或明天"
MONTH_HELP = "可写 2026-11、2026年11月或11月"

RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "前天": -2,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
}

# [0-9], not \d: \d also takes other scripts' digits; full-width ones are made ASCII first.
_YMD = re.compile(r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$")
_MD = re.compile(r"^([0-9]{1,2})[-/.月]([0-9]{1,2})日?$")
_YM = re.compile(r"^([0-9]{4})[-/.年]([0-9]{1,2})月?$")
_M = re.compile(r"^([0-9]{1,2})月$")
# The years a team's records can be about; 9999-12-31 would overflow the next day's arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def looks_like_day(text: str) -> bool:
    """Whether ``text`` is written like a date (it may still name a day that does not exist)."""
    token = half_width(text.strip())
    return token.lower() in RELATIVE_DAYS or bool(_YMD.match(token) or _MD.match(token))


def read_day(text: str, today: date, *, past: bool = False) -> date | None:
    """Return the date ``text`` names, None if it is not written like a date.

    A date without a year is the one nearest to ``today`` (12-30 typed on 2 January is last
    December, 01-02 typed on 30 December next January); with ``past`` it is the latest one
    not after ``today`` (for history and reports). Raise UserError for a day that does not
    exist, such as 02-30 (or 02-29 in a year without one), or a year outside 2000-2099.
    """
    token = half_width(text.strip())
    if token.lower() in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[token.lower()])
    if match := _YMD.match(token):
        return _day(token, int(match[1]), int(match[2]), int(match[3]))
    if match := _MD.match(token):
        month, day = int(match[1]), int(match[2])
        if past:
            year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
            return _day(token, year, month, day)
        return _nearest(token, month, day, today)
    return None


def parse_day(text: str, today: date, *, past: bool = False) -> date:
    """Return the date ``text`` names (see read_day); raise UserError if it is not one."""
    day = read_day(text, today, past=past)
    if day is None:
        raise UserError(f"日期格式不对：「{text.strip()}」，{DAY_HELP}。")
    return day


def read_month(text: str, today: date) -> tuple[int, int] | None:
    """Return (year, month) for ``2026-11``, ``2026年11月`` or ``11月``; None if not a month.

    A month without a year is the latest one not after ``today``'s month. Raise UserError
    for a month that does not exist, such as 2026-13, or a year outside 2000-2099.
    """
    token = half_width(text.strip())
    if match := _YM.match(token):
        year, month = _year(token, int(match[1])), int(match[2])
    elif match := _M.match(token):
        month = int(match[1])
        year = today.year if month <= today.month else today.year - 1
    else:
        return None
    if not 1 <= month <= 12:
        raise UserError(f"月份「{token}」不存在，{MONTH_HELP}。")
    return year, month


def parse_month(text: str, today: date) -> tuple[int, int]:
    """Return (year, month) that ``text`` names (see read_month); raise UserError otherwise."""
    month = read_month(text, today)
    if month is None:
        raise UserError(f"月份格式不对：「{text.strip()}」，{MONTH_HELP}。")
    return month


def _year(token: str, year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UserError(f"「{token}」的年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间。")
    return year


def _day(token: str, year: int, month: int, day: int) -> date:
    _year(token, year)
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError(f"日期「{token}」不存在。") from None


def _nearest(token: str, month: int, day: int, today: date) -> date:
    options = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            options.append(date(year, month, day))
        except ValueError:
            continue  # 02-29 outside a leap year
    if not options:
        raise UserError(f"日期「{token}」不存在。")
    return min(options, key=lambda d: abs((d - today).days))
