"""Order numbers, the order book's storage, masking and the memo with dunning attempts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config.remarks import RemarksSettings
from bot.domain.errors import UserError
from bot.domain.members import Member, Role
from bot.domain.orders import OrderRules, utf8_bytes
from bot.domain.remarks import Colour, mask_customer_data
from bot.persistence.orders import OrderBook, OrderRepo
from bot.persistence.store import Store

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)
ZHANG = Member(100011, "1", "张三")
LI = Member(100012, "2", "李四")
LEAD = Member(100002, "80", "李组长", Role.LEAD)
RULES = OrderRules(
    formats=(
        ("tmall", re.compile(r"\d{18,19}")),
        ("taobao", re.compile(r"\d{18,19}")),
        ("jd", re.compile(r"\d{11,13}")),
    )
)


def book_at(root: Path, **settings: object) -> OrderBook:
    repo = OrderRepo(Store(root), TZ, live_days=30)
    options = RemarksSettings(rules=RULES, **settings)  # type: ignore[arg-type]
    return OrderBook(repo, options, TZ, {"taobao": "淘宝", "tmall": "天猫", "jd": "京东"})


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


def test_a_second_remark_adds_a_version_and_keeps_the_first(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    later = NOW + timedelta(hours=1)
    order, version, added = book.write_remark(
        "123456789012", "发顺丰 送小礼品", author=ZHANG, seller=ZHANG, at=later, platform=None
    )
    assert added and version.number == 2
    assert [v.canonical for v in order.versions] == [
        "1号客服、发顺丰快递",
        "1号客服、发顺丰快递、赠送小礼品",
    ]
    assert order.platform == "jd" and order.colour is Colour.YELLOW


def test_an_identical_remark_adds_no_version(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    order, version, added = book.write_remark(
        "123456789012", "顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd"
    )
    assert not added and len(order.versions) == 1 and version.number == 1


def test_a_remark_over_the_platform_limit_is_refused_with_the_byte_count(tmp_path: Path) -> None:
    book = book_at(tmp_path, max_bytes={"taobao": 60})
    text = "客户要求" + "很" * 20
    size = utf8_bytes("1号客服、" + text)
    with pytest.raises(UserError, match=f"备注共 {size} 字节，超过淘宝备注上限 60 字节"):
        book.write_remark("1" * 18, text, author=ZHANG, seller=ZHANG, at=NOW, platform="taobao")
    assert book.get("1" * 18) is None


def test_dunning_attempts_become_parts_of_the_memo(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.record_dunning("123456789012", "未接电话", LI, NOW)
    book.record_dunning("123456789012", " 已付款 ", LI, NOW + timedelta(minutes=40))
    order, _, _ = book.write_remark(
        "123456789012",
        "标准",
        author=ZHANG,
        seller=ZHANG,
        at=NOW + timedelta(hours=1),
        platform=None,
    )
    assert order.platform == "jd"  # detected from the number when the dunning was recorded
    assert order.memo(TZ) == (
        "1号客服、催付：未接电话（李四 11-23 09:30）、催付：已付款（李四 11-23 10:10）"
    )


def test_a_leads_approval_lands_on_the_orders_history_and_memo(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform=None)
    book.record_note(
        "123456789012", "特批优惠200元（2张，李组长批准）", LEAD, NOW + timedelta(hours=1)
    )
    book.record_dunning("123456789012", "已付款", LI, NOW + timedelta(hours=2))
    order = book_at(tmp_path).get("123456789012")
    assert order is not None and [n.name for n in order.notes] == ["李组长"]
    assert order.updated == NOW + timedelta(hours=2)
    assert order.memo(TZ) == (
        "1号客服、特批优惠200元（2张，李组长批准）（李组长 11-23 10:30）、"
        "催付：已付款（李四 11-23 11:30）"
    )


def test_dunning_needs_a_result_and_a_good_number(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    with pytest.raises(UserError, match="催付结果"):
        book.record_dunning("123456789012", "  ", LI, NOW)
    with pytest.raises(UserError, match="例如"):
        book.record_dunning("12", "已付款", LI, NOW)


def test_history_survives_a_restart_and_old_orders_leave_the_live_file(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    later = NOW + timedelta(days=40)
    book.write_remark("123456789013", "标准", author=LI, seller=LI, at=later, platform="jd")
    assert book.repo.live_count() == 1  # the November order was pruned from orders.json
    reopened = book_at(tmp_path)
    old = reopened.get("123456789012")
    assert old is not None and old.current is not None
    assert old.current.canonical == "1号客服、发顺丰快递"
    again, version, _ = reopened.write_remark(
        "123456789012", "发圆通", author=ZHANG, seller=ZHANG, at=later, platform=None
    )
    assert version.number == 2 and len(again.versions) == 2


def test_sales_credit_the_current_seller_in_the_month_of_the_first_remark(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.write_remark("123456789013", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    december = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    # a lead corrects the seller in December: the November sale moves to 李四
    book.write_remark("123456789013", "标准", author=LEAD, seller=LI, at=december, platform=None)
    book.write_remark("123456789014", "标准", author=LI, seller=LI, at=december, platform="jd")
    november = book.sales(datetime(2026, 11, 1, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ))
    assert {k: len(v) for k, v in november.items()} == {"1": 1, "2": 1}
    dec = book.sales(datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ))
    assert {k: len(v) for k, v in dec.items()} == {"2": 1}


def test_an_event_the_live_file_missed_in_a_crash_is_restored_at_start(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.write_remark("123456789012", "发圆通", author=ZHANG, seller=ZHANG, at=NOW, platform=None)
    doc = book.repo._live.all()[0]
    # simulate a crash after the archive append but before the live write
    book.repo._live.update({"events": doc["events"][:1]}, doc_ids=[doc.doc_id])
    reopened = book_at(tmp_path)
    order = reopened.get("123456789012")
    assert order is not None and order.current is not None
    assert order.current.canonical == "1号客服、发圆通快递"
