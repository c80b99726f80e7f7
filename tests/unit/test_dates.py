"""Dates and months as agents and leads type them, for every feature."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import looks_like_day, parse_day, parse_month, read_day, read_month
from bot.domain.errors import UserError

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 11, 23)),
        ("今日", date(2026, 11, 23)),
        ("today", date(2026, 11, 23)),
        ("昨天", date(2026, 11, 22)),
        ("昨日", date(2026, 11, 22)),
        ("Yesterday", date(2026, 11, 22)),
        ("前天", date(2026, 11, 21)),
        ("明天", date(2026, 11, 24)),
        ("后天", date(2026, 11, 25)),
        ("2026-10-01", date(2026, 10, 1)),
        ("2026/11/23", date(2026, 11, 23)),
        ("2026.11.23", date(2026, 11, 23)),
        ("2026年11月23日", date(2026, 11, 23)),
        ("11-20", date(2026, 11, 20)),
        ("11/25", date(2026, 11, 25)),
        ("11.25", date(2026, 11, 25)),
        ("11月20日", date(2026, 11, 20)),
        ("11月20", date(2026, 11, 20)),
        (" 11-20 ", date(2026, 11, 20)),
    ],
)
def test_days_are_read_in_every_form_agents_and_leads_type(text: str, expected: date) -> None:
    assert parse_day(text, MONDAY) == expected
    assert looks_like_day(text)


def test_a_day_without_year_is_the_nearest_one() -> None:
    assert parse_day("11-25", MONDAY) == date(2026, 11, 25)
    assert parse_day("1-2", MONDAY) == date(2027, 1, 2)
    assert parse_day("12-30", date(2027, 1, 2)) == date(2026, 12, 30)


def test_a_past_looking_day_without_year_is_the_latest_not_after_today() -> None:
    assert parse_day("11-23", MONDAY, past=True) == date(2026, 11, 23)
    assert parse_day("11-25", MONDAY, past=True) == date(2025, 11, 25)
    assert parse_day("05-01", MONDAY, past=True) == date(2026, 5, 1)
    assert parse_day("12-30", date(2027, 1, 5), past=True) == date(2026, 12, 30)


def test_february_29th_exists_only_in_a_leap_year() -> None:
    assert parse_day("02-29", date(2028, 3, 1), past=True) == date(2028, 2, 29)
    assert parse_day("02-29", date(2028, 1, 10)) == date(2028, 2, 29)
    with pytest.raises(UserError, match="日期「02-29」不存在"):
        parse_day("02-29", MONDAY, past=True)
    with pytest.raises(UserError, match="日期「02-29」不存在"):
        parse_day("02-29", MONDAY)


@pytest.mark.parametrize("text", ["2026-02-30", "02-30", "13-01", "13-40", "2026-13-01"])
def test_days_that_do_not_exist_are_refused_by_name(text: str) -> None:
    with pytest.raises(UserError, match=f"日期「{text}」不存在"):
        parse_day(text, MONDAY)
    with pytest.raises(UserError, match="不存在"):
        read_day(text, MONDAY, past=True)


@pytest.mark.parametrize("text", ["上周", "下周", "", "3", "2026-11", "11月", "someday"])
def test_what_is_not_a_date_is_refused_with_the_accepted_forms(text: str) -> None:
    assert read_day(text, MONDAY) is None
    assert not looks_like_day(text)
    with pytest.raises(UserError) as err:
        parse_day(text, MONDAY)
    assert "日期格式不对" in str(err.value) and "11月23日" in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", (2026, 11)),
        ("2026/1", (2026, 1)),
        ("2026年1月", (2026, 1)),
        ("2026年11", (2026, 11)),
        ("11月", (2026, 11)),
        ("3月", (2026, 3)),
        ("12月", (2025, 12)),
    ],
)
def test_months_are_read_as_year_and_month(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text, MONDAY) == expected


def test_a_month_without_year_is_never_a_future_one() -> None:
    assert parse_month("1月", date(2027, 1, 5)) == (2027, 1)
    assert parse_month("2月", date(2027, 1, 5)) == (2026, 2)


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "13月", "0月"])
def test_months_that_do_not_exist_are_refused_by_name(text: str) -> None:
    with pytest.raises(UserError, match=f"月份「{text}」不存在"):
        parse_month(text, MONDAY)


@pytest.mark.parametrize("text", ["下个月", "", "2026-11-23", "11-23", "26-11"])
def test_what_is_not_a_month_is_refused_with_the_accepted_forms(text: str) -> None:
    assert read_month(text, MONDAY) is None
    with pytest.raises(UserError) as err:
        parse_month(text, MONDAY)
    assert "月份格式不对" in str(err.value) and "2026-11" in str(err.value)
