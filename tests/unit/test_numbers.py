"""One reader of typed numbers and dates: full-width digits pass, anything else is refused."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import parse_day, parse_month
from bot.domain.errors import UserError
from bot.domain.members import parse_work_no
from bot.domain.numbers import is_blank, parse_number, read_number

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("typed", "number"), [("3", 3), ("０３", 3), ("１２", 12), (" 7 ", 7)])
def test_ascii_and_full_width_digits_are_read(typed: str, number: int) -> None:
    assert read_number(typed) == number


@pytest.mark.parametrize("typed", ["²", "①", "-3", "+3", "1_000", "٣", "3.0", "", "1e3"])
def test_superscripts_circled_signs_and_other_digits_are_not_numbers(typed: str) -> None:
    assert read_number(typed) is None


def test_a_refused_number_is_explained_in_chinese() -> None:
    with pytest.raises(UserError, match="编号应为数字（如 3），收到「²」"):
        parse_number("²", "编号", "3")


def test_work_numbers_accept_full_width_and_refuse_circled_digits() -> None:
    assert parse_work_no("１２号") == "12"
    with pytest.raises(ValueError, match="工号应为数字"):
        parse_work_no("①")


def test_full_width_dates_are_read_and_far_years_refused() -> None:
    assert parse_day("２０２６－１１－２５", TODAY) == date(2026, 11, 25)
    with pytest.raises(UserError, match="2000 到 2099"):
        parse_day("9999-12-31", TODAY)
    with pytest.raises(UserError, match="2000 到 2099"):
        parse_month("9999-12", TODAY)


def test_zero_width_text_is_blank() -> None:
    assert is_blank("\u200b\u200d \ufeff") and not is_blank("\u200b无")
