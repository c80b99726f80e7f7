"""Order numbers and their platforms, and masking customer data in remarks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import UserError
from bot.domain.orders import DunningAttempt, Order, OrderNote, OrderRules
from bot.domain.remarks import mask_customer_data

RULES = OrderRules(
    formats=(
        ("tmall", re.compile(r"\d{18,19}")),
        ("taobao", re.compile(r"\d{18,19}")),
        ("jd", re.compile(r"\d{11,13}")),
    )
)


def test_an_order_number_with_a_hash_and_lower_case_is_cleaned() -> None:
    assert RULES.validate(" #ab-12345 ") == "AB-12345"


@pytest.mark.parametrize("bad", ["", "12345", "12345678901234567890123456789012X", "单号123456"])
def test_a_bad_order_number_is_refused_with_an_example(bad: str) -> None:
    with pytest.raises(UserError, match="例如 3659284710562839471"):
        RULES.validate(bad)


def test_a_jd_number_is_detected_but_alibaba_numbers_are_ambiguous() -> None:
    assert RULES.detect("123456789012") == "jd"
    assert RULES.detect("3659284710562839471") is None
    assert RULES.platforms_of("3659284710562839471") == ["tmall", "taobao"]


def test_phones_and_street_addresses_are_masked_for_groups() -> None:
    text = "1号客服、改地址：浙江省杭州市西湖区文三路100号3栋501、电话13812345678"
    assert mask_customer_data(text) == "1号客服、改地址：浙江省杭州市西湖区****、电话138****5678"


def test_masking_leaves_work_numbers_and_ordinary_notes_alone() -> None:
    text = "12号客服、发顺丰快递、尺码 180*200 厚度20cm"
    assert mask_customer_data(text) == text


def test_an_address_without_a_label_is_masked_after_the_district() -> None:
    masked = mask_customer_data("1号客服、寄到广东省深圳市南山区科技园路8号2栋")
    assert masked == "1号客服、寄到广东省深圳市南山区****"


def test_dunning_attempts_and_notes_read_in_the_memo_signed_and_round_trip_as_events() -> None:
    at = datetime(2026, 11, 23, 2, 15, tzinfo=UTC)
    attempt = DunningAttempt(at=at, result="已付款", work_no="1", name="张三")
    note = OrderNote(at=at, text="特批优惠200元", work_no="80", name="李组长")
    tz = ZoneInfo("Asia/Shanghai")
    assert attempt.part(tz) == "催付：已付款（张三 11-23 10:15）"
    assert note.part(tz) == "特批优惠200元（李组长 11-23 10:15）"
    order = Order.from_events("A1", [attempt.event("A1", "tmall"), note.event("A1", None)])
    assert (order.dunning, order.notes, order.platform) == ([attempt], [note], "tmall")
