"""Roster rules with a fixed date: days off, swaps and who covers each account."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.roster_rules import (
    Assignment,
    DayOff,
    Swap,
    coverage,
    effective_shift,
    fmt_rest_days,
    parse_rest_days,
)

TUESDAY = date(2026, 11, 24)
T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
REGULAR = {"1": "day", "2": "day", "5": None, "6": "night"}  # 5 rests on Tuesdays


def regular(work_no: str, _day: date) -> str | None:
    return REGULAR[work_no]


def at(minute: int) -> datetime:
    return T0.replace(minute=minute)


def test_member_without_changes_works_the_regular_shift() -> None:
    assert effective_shift(regular, "1", TUESDAY, [], []) == "day"


def test_leave_takes_the_member_off_that_day_only() -> None:
    offs = [DayOff("1", TUESDAY, "请假", "80", at(0))]
    assert effective_shift(regular, "1", TUESDAY, offs, []) is None
    assert effective_shift(regular, "1", date(2026, 11, 25), offs, []) == "day"


def test_swap_gives_each_member_the_others_shift() -> None:
    swaps = [Swap("2", "6", TUESDAY, "80", at(0))]
    assert effective_shift(regular, "2", TUESDAY, [], swaps) == "night"
    assert effective_shift(regular, "6", TUESDAY, [], swaps) == "day"


def test_swap_with_a_resting_member_moves_the_day_off() -> None:
    swaps = [Swap("2", "5", TUESDAY, "80", at(0))]
    assert effective_shift(regular, "2", TUESDAY, [], swaps) is None
    assert effective_shift(regular, "5", TUESDAY, [], swaps) == "day"


def test_leave_wins_over_a_swap_on_the_same_day() -> None:
    swaps = [Swap("2", "6", TUESDAY, "80", at(0))]
    offs = [DayOff("6", TUESDAY, "请假", "80", at(1))]
    assert effective_shift(regular, "6", TUESDAY, offs, swaps) is None


ACCOUNTS = ("天猫旗舰店", "京东自营店", "官网客服")
DEFAULTS = {"天猫旗舰店": "1", "京东自营店": "2"}


def test_account_without_a_default_is_uncovered() -> None:
    result = coverage(ACCOUNTS, DEFAULTS, {"1", "2"}, {}, [])
    assert result == {"天猫旗舰店": "1", "京东自营店": "2", "官网客服": None}


def test_account_of_an_agent_who_is_off_is_uncovered() -> None:
    assert coverage(ACCOUNTS, DEFAULTS, {"2"}, {}, [])["天猫旗舰店"] is None


def test_whoever_swapped_in_inherits_the_accounts() -> None:
    result = coverage(ACCOUNTS, DEFAULTS, {"1", "6"}, {"2": "6", "6": "2"}, [])
    assert result["京东自营店"] == "6"


def test_latest_assignment_or_check_in_wins_and_default_can_be_restored() -> None:
    items = [
        Assignment("官网客服", "1", TUESDAY, "day", "assign", "80", at(5)),
        Assignment("官网客服", "2", TUESDAY, "day", "checkin", "2", at(10)),
        Assignment("京东自营店", "1", TUESDAY, "day", "assign", "80", at(1)),
        Assignment("京东自营店", None, TUESDAY, "day", "assign", "80", at(2)),
    ]
    result = coverage(ACCOUNTS, DEFAULTS, {"1", "2"}, {}, items)
    assert result["官网客服"] == "2"
    assert result["京东自营店"] == "2"


def test_assignment_of_an_unknown_account_is_ignored() -> None:
    items = [Assignment("拼多多", "1", TUESDAY, "day", "assign", "80", at(1))]
    assert "拼多多" not in coverage(ACCOUNTS, DEFAULTS, {"1"}, {}, items)


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        (["周六", "周日"], (6, 7)),
        (["星期天"], (7,)),
        (["六", "日"], (6, 7)),
        (["1", "3"], (1, 3)),
        (["周二、周四"], (2, 4)),
        (["无"], ()),
        (["周日", "7"], (7,)),
    ],
)
def test_typed_rest_days_become_iso_weekdays(typed: list[str], days: tuple[int, ...]) -> None:
    assert parse_rest_days(typed) == days


@pytest.mark.parametrize("typed", [["周八"], ["0"], ["8"], ["周末"]])
def test_a_word_that_is_no_weekday_is_refused(typed: list[str]) -> None:
    with pytest.raises(ValueError, match="休息日应为 周一…周日"):
        parse_rest_days(typed)


def test_rest_days_read_back_in_chinese() -> None:
    assert fmt_rest_days((6, 7)) == "周六、周日"
    assert fmt_rest_days(()) == "无固定休息日"
