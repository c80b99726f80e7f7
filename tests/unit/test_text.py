"""Message splitting under Telegram's limit and masking of phone numbers."""

from __future__ import annotations

from bot.domain.text import mask_phones, split_message


def test_a_short_message_is_not_split() -> None:
    assert split_message("你好") == ["你好"]


def test_a_long_message_is_split_at_line_breaks_under_the_limit() -> None:
    text = "\n".join(f"第{i}行" + "字" * 50 for i in range(200))
    chunks = split_message(text, limit=1000)
    assert all(len(c) <= 1000 for c in chunks)
    assert "\n".join(chunks) == text


def test_a_single_overlong_line_is_cut_hard() -> None:
    chunks = split_message("字" * 2500, limit=1000)
    assert [len(c) for c in chunks] == [1000, 1000, 500]


def test_mobile_numbers_are_masked_in_the_middle() -> None:
    assert mask_phones("电话13812345678请回电") == "电话138****5678请回电"


def test_landline_numbers_are_masked_and_order_numbers_are_left_alone() -> None:
    assert mask_phones("座机 021-61234567") == "座机 021-****4567"
    assert mask_phones("订单 2026112312345678901") == "订单 2026112312345678901"
