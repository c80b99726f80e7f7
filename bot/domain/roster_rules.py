"""Roster rules: days off, leave and swaps over the regular shifts; who covers each account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.numbers import read_number

LEAVE = "请假"
REST = "休息"
OFF_KINDS = (LEAVE, REST)


@dataclass(frozen=True)
class DayOff:
    """A lead marked a member off on one date: 请假 (leave, costs KPI points) or 休息."""

    work_no: str
    day: date
    kind: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Swap:
    """Two members agreed to swap their shifts on one date (换班)."""

    first: str
    second: str
    day: date
    by: str
    at: datetime

    def partner(self, work_no: str) -> str | None:
        """Return the other member of the swap, or None when ``work_no`` is not in it."""
        if work_no == self.first:
            return self.second
        if work_no == self.second:
            return self.first
        return None


@dataclass(frozen=True)
class Assignment:
    """An account given to a member for one shift occurrence (by /assign or a check-in)."""

    account: str
    work_no: str | None  # None: the lead took the account back to its default
    day: date
    shift: str
    source: str  # "assign" or "checkin"
    by: str
    at: datetime


RegularShift = Callable[[str, date], "str | None"]


def effective_shift(
    regular: RegularShift, work_no: str, day: date, offs: list[DayOff], swaps: list[Swap]
) -> str | None:
    """Return the shift a member works on ``day`` after swaps, then days off (None: off)."""
    if any(o.work_no == work_no and o.day == day for o in offs):
        return None
    for swap in swaps:
        partner = swap.partner(work_no) if swap.day == day else None
        if partner is not None:
            return regular(partner, day)
    return regular(work_no, day)


def coverage(
    accounts: tuple[str, ...],
    defaults: dict[str, str],
    on_duty: set[str],
    partners: dict[str, str],
    assignments: list[Assignment],
) -> dict[str, str | None]:
    """Return account → 工号 of whoever covers it in one shift occurrence (None: uncovered).

    The default holder counts only when on duty; when they swapped away, whoever took their
    place inherits their accounts. Assignments and check-ins naming accounts then apply in
    the order they were made, so the latest word wins.
    """
    result: dict[str, str | None] = {}
    for account in accounts:
        holder = defaults.get(account)
        if holder is not None and holder not in on_duty:
            substitute = partners.get(holder)
            holder = substitute if substitute in on_duty else None
        result[account] = holder
    base = dict(result)
    for item in sorted(assignments, key=lambda a: a.at):
        if item.account not in result:
            continue
        result[item.account] = base[item.account] if item.work_no is None else item.work_no
    return result


NO_REST = ("无", "不休", "none", "-")
_WEEKDAY_WORDS = "一二三四五六日"


def parse_rest_days(words: list[str]) -> tuple[int, ...]:
    """Turn typed rest days (周六 星期日 六 7, or 无) into ISO weekdays; raise ValueError."""
    days: set[int] = set()
    for raw in (w for word in words for w in word.replace("、", ",").split(",") if w):
        word = raw.strip().lower()
        if word in NO_REST:
            continue
        bare = word.removeprefix("星期").removeprefix("周").replace("天", "日")
        number = read_number(bare, max_digits=1)
        if number is not None and 1 <= number <= 7:
            days.add(number)
        elif len(bare) == 1 and bare in _WEEKDAY_WORDS:
            days.add(_WEEKDAY_WORDS.index(bare) + 1)
        else:
            raise ValueError(f"休息日应为 周一…周日（或 1–7、无），收到 {raw!r}")
    return tuple(sorted(days))


def fmt_rest_days(days: tuple[int, ...]) -> str:
    """Return weekly rest days as ``周六、周日`` (or 无固定休息日)."""
    return "、".join(f"周{_WEEKDAY_WORDS[d - 1]}" for d in days) or "无固定休息日"
