"""The remark parser: free text in, the standard order and the flag colour out."""

from __future__ import annotations

import pytest

from bot.domain.errors import UserError
from bot.domain.remarks import Colour, derive_colour, parse_remark, seller_label

R, Y, G, B, P = Colour.RED, Colour.YELLOW, Colour.GREEN, Colour.BLUE, Colour.PURPLE

# (what the agent typed, canonical remark for 1号客服, flag)
CASES = [
    # the team's own example, typed in a different order
    (
        "退5元 送小礼品 发顺丰 尺码未确认，等确定了再发(需先填写单号)",
        "1号客服、发顺丰快递、由于尺码未确认等确定了再发货(需先填写单号)、退还5元钱并赠送小礼品",
        G,
    ),
    (
        "发顺丰 尺码未确认，等确定了再发(需先填写单号) 送小礼品 退5元",
        "1号客服、发顺丰快递、由于尺码未确认等确定了再发货(需先填写单号)、赠送小礼品并退还5元钱",
        G,
    ),
    ("赠送小礼品并退还5元钱、发顺丰", "1号客服、发顺丰快递、赠送小礼品并退还5元钱", Y),
    # standard orders: only the work number, red
    ("标准", "1号客服", R),
    ("正常", "1号客服", R),
    ("红", "1号客服", R),
    # couriers
    ("发顺丰", "1号客服、发顺丰快递", Y),
    ("顺丰到付", "1号客服、发顺丰快递（到付）", Y),
    ("走中通快递", "1号客服、发中通快递", Y),
    ("不要发韵达", "1号客服、不发韵达快递", Y),
    ("ems", "1号客服、发EMS快递", Y),
    ("发圆通 不要发申通", "1号客服、发圆通快递，不发申通快递", Y),
    ("发顺丰送小礼品", "1号客服、发顺丰快递、赠送小礼品", Y),
    # delays with and without reasons
    ("尺码未确认，等确定了再发", "1号客服、由于尺码未确认等确定了再发货", G),
    ("延迟发货 因为客户出差", "1号客服、由于客户出差延迟发货", G),
    ("客户搬家 延迟发货", "1号客服、由于客户搬家延迟发货", G),
    ("等到12月1日再发", "1号客服、等到12月1日再发货", G),
    ("12号以后再发", "1号客服、12号以后再发货", G),
    ("晚点发", "1号客服、晚点发货", G),
    ("预售 15天内发货", "1号客服、预售，15天内发货", G),
    # gifts, refunds, cash-back
    ("退5元", "1号客服、退还5元钱", B),
    ("返现10元", "1号客服、返现10元", B),
    ("好评返现5元", "1号客服、好评返现5元", B),
    ("退差价20元", "1号客服、退差价20元", B),
    ("退5元邮费差价", "1号客服、退还5元钱（邮费差价）", B),
    ("送枕头一个", "1号客服、赠送枕头一个", B),
    ("赠品：床笠", "1号客服、赠送床笠", B),
    ("补偿20元", "1号客服、补偿20元", B),
    # 退货 is a return, not money back
    ("退货", "1号客服、退货", P),
    ("客户要退货 退5元", "1号客服、退还5元钱、客户要退货", B),
    ("退货退款", "1号客服、退货退款", P),
    # things that look like gifts or couriers but are not
    ("送货上门", "1号客服、送货上门", P),
    ("合并发货", "1号客服、合并发货", P),
    ("客户要求开发票，合并发货", "1号客服、客户要求开发票、合并发货", P),
    ("尺码 180*200 厚度20cm", "1号客服、尺码 180*200 厚度20cm", P),
    # explicit colours win over the derived one
    ("黄 客户要求开发票", "1号客服、客户要求开发票", Y),
    ("red 发顺丰", "1号客服、发顺丰快递", R),
    ("发顺丰 蓝旗", "1号客服、发顺丰快递", B),
    ("紫", "1号客服", P),
    ("插绿旗 等通知再发", "1号客服、等通知再发货", G),
    # several parts: the precedence decides (green > yellow > blue > purple)
    ("客户要求开发票 送小礼品", "1号客服、赠送小礼品、客户要求开发票", B),
    ("退5元 发顺丰", "1号客服、发顺丰快递、退还5元钱", Y),
    ("开发票 晚发", "1号客服、由于开发票晚发货", G),
    ("原因：客户出差 延迟发货", "1号客服、由于客户出差延迟发货", G),
    ("因此客户要求开发票", "1号客服、因此客户要求开发票", P),
]


@pytest.mark.parametrize(("typed", "canonical", "colour"), CASES)
def test_remark_is_put_in_the_standard_order_with_its_flag(
    typed: str, canonical: str, colour: Colour
) -> None:
    remark = parse_remark(typed)
    assert remark.canonical(seller_label("1")) == canonical
    assert remark.colour is colour


def test_the_table_has_at_least_thirty_real_looking_cases() -> None:
    assert len(CASES) >= 30


def test_two_different_colours_are_refused() -> None:
    with pytest.raises(UserError, match="只能指定一种旗帜颜色"):
        parse_remark("红 发顺丰 黄")


def test_an_explicit_colour_keeps_the_derived_one_for_comparison() -> None:
    remark = parse_remark("发顺丰 红")
    assert remark.explicit is Colour.RED and remark.derived is Colour.YELLOW


def test_a_team_can_change_the_precedence_of_derived_colours() -> None:
    remark = parse_remark("发顺丰 等通知再发 送小礼品", precedence=(B, Y, G, P))
    assert remark.colour is Colour.BLUE


def test_a_remark_without_special_parts_derives_red() -> None:
    assert derive_colour(parse_remark("标准")) is Colour.RED


def test_a_team_courier_list_is_used_for_recognition() -> None:
    assert parse_remark("发安能", couriers=("安能",)).couriers == ["发安能快递"]
    assert parse_remark("发安能").couriers == []


def test_the_seller_tag_follows_the_team_template() -> None:
    assert seller_label("12", "工号{work_no}") == "工号12"


def test_separators_inside_brackets_do_not_split_a_part() -> None:
    remark = parse_remark("等确定了再发（需先填写单号，并通知仓库）")
    assert remark.delays == ["等确定了再发货（需先填写单号，并通知仓库）"]


def test_colour_words_are_recognised_in_chinese_and_english() -> None:
    assert Colour.parse("绿色") is Colour.GREEN
    assert Colour.parse("Purple") is Colour.PURPLE
    assert Colour.parse("红色床单") is None


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("核对地址并电话确认", "1号客服、核对地址并电话确认"),
        ("发顺丰 包装加固并放防潮袋", "1号客服、发顺丰快递、包装加固并放防潮袋"),
        ("赠送小礼品并退还5元钱", "1号客服、赠送小礼品并退还5元钱"),
    ],
)
def test_bing_inside_a_note_stays_bing(typed: str, canonical: str) -> None:
    assert parse_remark(typed).canonical(seller_label("1")) == canonical


def test_each_colour_has_the_taobao_flag_number() -> None:
    assert [c.flag_number for c in (R, Y, G, B, P)] == [1, 2, 3, 4, 5]
