"""Order remarks through the real application: /remark, /order, /remarks, /sales."""

from __future__ import annotations

from pathlib import Path

from bot.domain.remarks import Colour
from tests.harness import Harness, example_raw

STRANGER = 555001
TMALL = "3659284710562839471"
JD = "123456789012"


async def test_a_remark_comes_back_in_the_standard_order_with_its_flag(bot: Harness) -> None:
    calls = await bot.send("1", f"/remark {JD} 退5元 送小礼品 发顺丰 尺码未确认，等确定了再发")
    [call] = [c for c in calls if c.method == "sendMessage"]
    assert call.params["parse_mode"] == "HTML"
    assert (
        "<code>1号客服、发顺丰快递、由于尺码未确认等确定了再发货、退还5元钱并赠送小礼品</code>"
        in call.text
    )
    assert "绿旗（需要延时发货）" in call.text and "（京东）" in call.text
    assert "含绿、黄、蓝旗内容，按优先级 绿>黄>蓝>紫 取绿" in call.text
    order = bot.svc.orders.get(JD)
    assert order.seller == "1" and order.colour is Colour.GREEN and order.platform == "jd"


async def test_the_chinese_alias_writes_a_remark(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("2", f"/备注 {JD} 标准"))
    assert "<code>2号客服</code>" in text and "红旗（标准单）" in text


async def test_html_in_a_remark_is_escaped_inside_the_copy_block(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD} 箱子上写<易碎>&轻放"))
    assert "<code>1号客服、箱子上写&lt;易碎&gt;&amp;轻放</code>" in text


async def test_no_order_number_gets_the_usage(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/remark"))
    assert text.startswith("用法：/remark <订单号>")


async def test_a_bad_order_number_gets_an_example_of_a_good_one(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/remark 单号123 发顺丰"))
    assert "不允许的字符" in text and "例如 3659284710562839471" in text
    [short] = bot.texts(await bot.send("1", "/remark 1234 发顺丰"))
    assert "长度为 4 位" in short
    assert bot.svc.orders.get("1234") is None


async def test_empty_content_is_refused_and_nothing_is_stored(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD}"))
    assert "备注内容不能为空" in text and "用法：/remark" in text
    [again] = bot.texts(await bot.send("1", f"/remark {JD} 京东"))
    assert "备注内容不能为空" in again
    assert bot.svc.orders.get(JD) is None


async def test_an_over_long_remark_is_refused_with_the_byte_count(bot: Harness) -> None:
    long_note = "客户要求" + "仔细包装" * 90
    [text] = bot.texts(await bot.send("1", f"/remark {TMALL} 淘宝 {long_note}"))
    size = len(f"1号客服、{long_note}".encode())
    assert f"备注共 {size} 字节，超过淘宝备注上限 1000 字节" in text
    assert bot.svc.orders.get(TMALL) is None


async def test_a_stranger_cannot_remark(bot: Harness) -> None:
    assert bot.texts(await bot.send(STRANGER, f"/remark {JD} 发顺丰")) == []
    [text] = bot.texts(await bot.send(STRANGER, f"/remark {JD} 发顺丰", private=True))
    assert "只为本店客服团队服务" in text
    assert bot.svc.orders.get(JD) is None


async def test_two_colours_are_refused(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD} 发顺丰 红 黄"))
    assert "只能指定一种旗帜颜色" in text


async def test_an_explicit_colour_is_kept_and_the_derived_one_shown(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD} 发顺丰 红"))
    assert "红旗（标准单）（按您指定；按内容应为黄旗）" in text


async def test_a_lead_records_another_seller(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", f"/remark {JD} @3 发顺丰"))
    assert "<code>3号客服、发顺丰快递</code>" in text
    assert "销售：3号 王五（李组长 代记）" in text
    assert bot.svc.orders.get(JD).seller == "3"


async def test_an_agent_cannot_remark_for_a_colleague(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD} @3 发顺丰"))
    assert "只有组长可以用 @工号" in text
    assert bot.svc.orders.get(JD) is None


async def test_a_lead_naming_an_unknown_seller_gets_told(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", f"/remark {JD} @77 发顺丰"))
    assert "没有工号为 77 的成员" in text


async def test_a_platform_word_is_stored_for_an_ambiguous_number(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {TMALL} 标准"))
    assert "平台未识别" in text
    [named] = bot.texts(await bot.send("1", f"/remark {TMALL} 天猫 发顺丰"))
    assert "（天猫）" in named and "第 2 版" in named
    assert bot.svc.orders.get(TMALL).platform == "tmall"


async def test_phones_and_addresses_are_masked_in_the_group_but_kept(bot: Harness) -> None:
    typed = f"/remark {JD} 改地址：浙江省杭州市西湖区文三路100号3栋501 电话13812345678"
    [text] = bot.texts(await bot.send("1", typed))
    assert "浙江省杭州市西湖区****" in text and "138****5678" in text
    assert "13812345678" not in text and "文三路" not in text
    assert "私聊机器人" in text
    stored = bot.svc.orders.get(JD).current.canonical
    assert "文三路100号3栋501" in stored and "13812345678" in stored
    [private] = bot.texts(await bot.send("1", f"/order {JD}", private=True))
    assert "13812345678" in private and "文三路100号3栋501" in private


async def test_order_shows_versions_dunning_and_the_flag(bot: Harness) -> None:
    await bot.send("1", f"/remark {JD} 发顺丰")
    await bot.advance("2026-11-23 10:15")
    book = bot.svc.orders
    book.record_dunning(JD, "已付款", bot.svc.members.by_work_no("2"), bot.svc.clock.now())
    await bot.advance("2026-11-23 11:00")
    await bot.send("80", f"/remark {JD} @1 发顺丰 送小礼品")
    [text] = bot.texts(await bot.send("2", f"/order {JD}"))
    assert "京东 · 🟡 黄旗（快递有特殊要求）" in text
    assert "<code>1号客服、发顺丰快递、赠送小礼品、催付：已付款（李四 11-23 10:15）</code>" in text
    assert "第 2 版 · 11-23 11:00 · 李组长（为 1号 张三）" in text
    assert "第 1 版 · 11-23 08:30 · 张三" in text
    assert "11-23 10:15 · 李四（2号）：已付款" in text


async def test_order_bad_input_and_unknown_order(bot: Harness) -> None:
    assert bot.texts(await bot.send("1", "/order"))[0].startswith("用法：/order")
    assert "例如" in bot.texts(await bot.send("1", "/order 12"))[0]
    assert "还没有备注或催付记录" in bot.texts(await bot.send("1", f"/order {JD}"))[0]


async def test_remarks_lists_a_day_and_one_agent(bot: Harness) -> None:
    await bot.send("1", f"/remark {JD} 发顺丰")
    await bot.send("2", "/remark 123456789013 标准")
    await bot.send("1", f"/remark {JD} 发圆通")
    [day] = bot.texts(await bot.send("80", "/remarks"))
    assert "11-23（周一）订单备注 2 单" in day
    assert "发圆通快递" in day and "发顺丰快递" not in day  # only the latest version
    [mine] = bot.texts(await bot.send("80", "/remarks 2 今天"))
    assert "2号 李四 11-23（周一）订单备注 1 单" in mine
    [empty] = bot.texts(await bot.send("80", "/remarks 昨天"))
    assert "11-22（周日）没有订单备注" in empty


async def test_remarks_bad_input_gets_the_usage(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/remarks 张三"))
    assert "应为日期" in text and "用法：/remarks" in text
    [unknown] = bot.texts(await bot.send("1", "/remarks 77"))
    assert "没有工号为 77 的成员" in unknown


async def test_sales_counts_orders_per_work_number_for_leads_only(bot: Harness) -> None:
    await bot.send("1", f"/remark {JD} 发顺丰")
    await bot.send("1", "/remark 123456789013 标准")
    await bot.send("2", "/remark 123456789014 标准")
    [refused] = bot.texts(await bot.send("1", "/sales"))
    assert "需要组长权限" in refused
    [text] = bot.texts(await bot.send("80", "/sales"))
    assert "2026-11（本月至今）" in text
    assert "1号 张三：2 单" in text and "2号 李四：1 单" in text and "合计 3 单" in text
    [day] = bot.texts(await bot.send("80", "/sales 11-22"))
    assert "没有备注过的订单" in day
    [bad] = bot.texts(await bot.send("80", "/sales 2026-13"))
    assert "月份「2026-13」不存在" in bad and "用法：/sales" in bad


async def test_history_survives_a_restart(bot: Harness) -> None:
    await bot.send("1", f"/remark {JD} 发顺丰")
    await bot.restart()
    [text] = bot.texts(await bot.send("1", f"/order {JD}"))
    assert "<code>1号客服、发顺丰快递</code>" in text


async def test_team_settings_change_the_order_number_rules(tmp_path: Path) -> None:
    raw = example_raw()
    raw["remarks"] = {"order_no_min": 4, "order_example": "A1234", "max_bytes": {"jd": 30}}
    async with Harness(tmp_path / "data", raw=raw) as bot:
        [ok] = bot.texts(await bot.send("1", "/remark A-123 标准"))
        assert "备注已保存" in ok
        [long] = bot.texts(await bot.send("1", f"/remark {JD} 客户要求仔细包装好"))
        assert "超过京东备注上限 30 字节" in long
        bot.assert_clean()


async def test_the_account_an_agent_holds_tells_tmall_from_taobao(bot: Harness) -> None:
    await bot.send("80", "/assign 淘宝C店1 2")
    await bot.send("80", "/assign 天猫旗舰店 3")
    [taobao] = bot.texts(await bot.send("2", f"/remark {TMALL} 标准"))
    [tmall] = bot.texts(await bot.send("3", "/remark 3659284710562839472 标准"))
    assert "（淘宝）" in taobao and "（天猫）" in tmall
    assert bot.svc.orders.get(TMALL).platform == "taobao"


async def test_a_taobao_or_tmall_remark_shows_the_flag_number_next_to_the_colour(
    bot: Harness,
) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {TMALL} 天猫 发顺丰"))
    assert "旗帜：🟡 黄旗" in text and "旗帜编号：2（黄旗）" in text
    [jd] = bot.texts(await bot.send("1", f"/remark {JD} 发顺丰"))
    assert "旗帜编号" not in jd


async def test_bing_inside_a_remark_note_is_kept(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/remark {JD} 核对地址并电话确认", private=True))
    assert "1号客服、核对地址并电话确认" in text
