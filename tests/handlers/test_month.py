"""The lead's month through the real application: /discount, /kpi, /chart, /export."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from bot.domain.discounts import State
from bot.transport.local import Sent, png_size
from tests.harness import Harness

JD = "123456789012"
JD2 = "123456789013"
MONTH_END = "2026-11-30 08:30"  # month-change tests start here: short advances


def sent_to(calls: list[Sent], chat_id: int) -> list[Sent]:
    return [c for c in calls if c.chat_id == chat_id and c.method == "sendMessage"]


async def ask(bot: Harness, who: str, order: str, items: int, amount: int) -> Sent:
    """File a request privately; return the card the lead got (in private: /start was sent)."""
    lead = bot.svc.members.by_work_no("80")
    bot.api.started.add(lead.user_id)
    calls = await bot.send(who, f"/discount ask {order} {items} {amount} 老客户复购", private=True)
    [card] = [c for c in sent_to(calls, lead.user_id) if c.buttons]
    return card


async def test_an_agent_sees_the_quota_of_the_month(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/discount", private=True))
    assert text == "本月特批：已用 0/5 次、0/500 元，剩 5 次、500 元"


async def test_a_gift_is_recorded_on_the_order_without_asking(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/优惠 gift {JD} 枕", private=True))
    assert text == f"已记录：订单 {JD} 赠记忆枕（三选一），已写入订单备注历史。"
    assert [g.gift for g in bot.svc.month.discounts.gifts_in("2026-11")] == ["记忆枕"]
    order = bot.svc.orders.get(JD)
    assert order is not None and [n.text for n in order.notes] == ["赠记忆枕"]


async def test_a_gift_that_is_not_one_of_the_three_changes_nothing(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", f"/discount gift {JD} 被子", private=True))
    assert "赠品只能三选一：床笠、记忆枕、50元返现" in text and "用法：" in text
    assert bot.svc.month.discounts.gifts_in("2026-11") == []
    assert bot.svc.orders.get(JD) is None


async def test_an_approved_request_tells_the_agent_and_lands_on_the_order(bot: Harness) -> None:
    card = await ask(bot, "1", JD, 2, 200)
    assert "优惠特批申请 #1（待审批）" in card.text and "理由：老客户复购" in card.text
    assert [b["text"] for b in card.buttons] == ["同意", "拒绝"]
    calls = await bot.press("80", card, "同意")
    agent = bot.svc.members.by_work_no("1")
    [told] = sent_to(calls, agent.user_id)
    assert told.text.startswith("✅ 申请 #1（订单 123456789012，优惠 200 元）：李组长 已同意")
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "审批：李组长 11-23 08:30 已同意" in edited.text and not edited.buttons
    order = bot.svc.orders.get(JD)
    assert order is not None and order.notes[0].text == "特批优惠200元（2张，李组长批准）"
    [text] = bot.texts(await bot.send("1", "/discount", private=True))
    assert text.startswith("本月特批：已用 1/5 次、200/500 元")
    bot.assert_clean()


async def test_a_refused_request_is_not_counted_and_cannot_be_decided_twice(
    bot: Harness,
) -> None:
    card = await ask(bot, "2", JD, 2, 150)
    calls = await bot.press("80", card, "拒绝")
    agent = bot.svc.members.by_work_no("2")
    [told] = sent_to(calls, agent.user_id)
    assert "李组长 未同意" in told.text
    again = await bot.press("80", card, "同意")
    [answer] = [c for c in again if c.method == "answerCallbackQuery"]
    assert "申请 #1 已被 李组长 拒绝，不能重复审批" in answer.params["text"]
    [request] = bot.svc.month.discounts.decided_in("2026-11")
    assert request.state is State.REFUSED
    assert bot.svc.orders.get(JD) is None


async def test_an_agent_cannot_press_the_approval_button(bot: Harness) -> None:
    card = await ask(bot, "1", JD, 2, 200)
    calls = await bot.press("2", card, "同意")
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == "只有组长可以审批特批优惠。"
    assert bot.svc.month.discounts.pending()[0].state is State.PENDING


async def test_an_approval_past_the_quota_is_marked_over_quota(bot: Harness) -> None:
    first = await ask(bot, "1", JD, 3, 450)
    await bot.press("80", first, "同意")
    second = await ask(bot, "1", JD2, 2, 120)
    assert "⚠️ 同意后将超出本月额度（记为超额）" in second.text
    calls = await bot.press("80", second, "同意")
    assert any("本次记为超额" in c.text for c in calls)
    [listing] = bot.texts(await bot.send("80", "/discount list", private=True))
    assert (
        "1号 张三：同意 2 次，共 570 元" in listing
        and "#2 123456789013 2张 120元 已同意（超额）" in listing
    )


async def test_bad_requests_get_the_usage_and_store_nothing(bot: Harness) -> None:
    [none] = bot.texts(await bot.send("1", f"/discount ask {JD} 2 80 理由", private=True))
    assert "在你的权限内，无需申请" in none and "用法：" in none
    [short] = bot.texts(await bot.send("1", f"/discount ask {JD} 2 200", private=True))
    assert "请写订单号、床垫张数、优惠金额和理由" in short
    [amount] = bot.texts(await bot.send("1", f"/discount ask {JD} 2 很多 理由", private=True))
    assert "金额应为数字" in amount
    [word] = bot.texts(await bot.send("1", "/discount 打折", private=True))
    assert "看不懂「打折」" in word
    assert bot.svc.month.discounts.pending() == []


async def test_only_a_lead_lists_the_approvals(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/discount list", private=True))
    assert text == "需要组长权限才能使用 /discount list。"


async def test_next_months_quotas_are_computed_and_announced_on_the_first(tmp_path: Path) -> None:
    async with Harness(tmp_path / "data", start=MONTH_END) as bot:
        await _quotas_announced(bot)
        bot.assert_clean()


async def _quotas_announced(bot: Harness) -> None:
    card = await ask(bot, "1", JD, 2, 200)
    await bot.press("80", card, "同意")
    for _ in range(6):
        card = await ask(bot, "2", JD2, 2, 110)
        await bot.press("80", card, "同意")
    calls = await bot.advance("2026-12-01 00:20")
    by_no = {q.work_no: q for q in bot.svc.month.discounts.quotas("2026-12")}
    assert by_no["2"].count == 4 and by_no["2"].excess == 1
    assert by_no["3"].count == 7 and by_no["3"].bonus == 2  # nothing asked: smallest total
    agent = bot.svc.members.by_work_no("2")
    [told] = [c for c in sent_to(calls, agent.user_id) if "额度" in c.text]
    assert told.text == "📅 2026-12 优惠特批额度：4 次、500 元（上月超出 1 次，扣 1 次）。"
    lead = bot.svc.members.by_work_no("80")
    [summary] = [c for c in sent_to(calls, lead.user_id) if "优惠特批额度" in c.text]
    assert "3号 王五：7 次（上月特批金额最少，加 2 次）" in summary.text


async def test_the_lead_enters_grades_and_a_complaint_and_sees_the_bonus(bot: Harness) -> None:
    for part, value in (("服务", "优"), ("退款率", "3%"), ("维权", "良"), ("配合", "优")):
        [text] = bot.texts(await bot.send("80", f"/kpi set 1 {part} {value}", private=True))
        assert text.startswith("已录入 2026-11 1号 张三")
    [added] = bot.texts(await bot.send("80", "/kpi add 1 客户投诉 10 发错颜色", private=True))
    assert added.startswith("已记录 #1：1号 张三 客户投诉 -10 分（发错颜色）")
    row = next(r for r in bot.svc.month.rows("2026-11", bot.clock.now()) if r.work_no == "1")
    assert row.complaints == 1 and row.fines == Decimal(50)
    [sheet] = bot.texts(await bot.send("80", "/kpi", private=True))
    assert "2026-11" in sheet and "张三" in sheet
    [undone] = bot.texts(await bot.send("80", "/kpi undo 1", private=True))
    assert undone == "已撤销 #1（-10 分，发错颜色）。"


async def test_bad_kpi_entries_get_the_usage_and_change_nothing(bot: Harness) -> None:
    cases = {
        "/kpi set 1 颜值 优": "未知考核项「颜值」",
        "/kpi set 1 服务 甲": "等级应为 优/良/中/差",
        "/kpi set 1 退款率 120": "退款率应为 0–100 的百分数",
        "/kpi set 80 服务 优": "没有工号为 80 的客服",
        "/kpi add 1 客户投诉 发错颜色": "客户投诉需写分数",
        "/kpi add 1 客户表扬": "请写工号、类别和原因",
        "/kpi undo 9": "本月没有编号为 9 的加减分",
        "/kpi 2027-01": "2027-01 还没开始",
    }
    for typed, expected in cases.items():
        [text] = bot.texts(await bot.send("80", typed, private=True))
        assert expected in text and "用法：" in text, typed
    assert bot.svc.month.kpi.entries("2026-11") == {}


async def test_an_agent_may_not_see_the_sheet(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/kpi", private=True))
    assert text == "需要组长权限才能使用 /kpi。"


async def test_the_sheet_is_final_after_the_month_and_refuses_entries(tmp_path: Path) -> None:
    async with Harness(tmp_path / "data", start=MONTH_END) as bot:
        await _sheet_final(bot)
        bot.assert_clean()


async def _sheet_final(bot: Harness) -> None:
    await bot.send("80", "/kpi set 1 服务 优", private=True)
    calls = await bot.advance("2026-12-01 00:40")
    lead = bot.svc.members.by_work_no("80")
    assert any("已定稿" in c.text for c in sent_to(calls, lead.user_id))
    assert bot.svc.month.kpi.is_final("2026-11")
    [text] = bot.texts(await bot.send("80", "/kpi set 1 服务 差 2026-11", private=True))
    assert text == "2026-11 的考核表已定稿，不能再修改。"


async def test_a_chart_is_sent_as_a_png_of_the_expected_size(bot: Harness) -> None:
    await bot.send("80", "/kpi set 1 服务 优", private=True)
    calls = await bot.send("80", "/chart kpi", private=True)
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.upload is not None and photo.upload.filename == "考核-2026-11.png"
    width, height = png_size(photo.upload.content)
    assert width == 1080 and height > 400
    bot.assert_clean()


async def test_an_unknown_chart_gets_the_choices(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/chart 饼图", private=True))
    assert "未知图表「饼图」，可选：出勤、时效、催付、kpi、趋势" in text and "用法：" in text


async def test_the_export_is_an_xlsx_with_the_months_approvals_and_sheet(bot: Harness) -> None:
    card = await ask(bot, "1", JD, 2, 200)
    await bot.press("80", card, "同意")
    await bot.send("80", "/kpi set 1 服务 优", private=True)
    calls = await bot.send("80", "/export", private=True)
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.upload is not None and document.upload.filename == "客服月报-2026-11.xlsx"
    book = load_workbook(io.BytesIO(document.upload.content), data_only=True)
    approvals = book["优惠审批"]
    header = ["编号", "申请人", "订单号", "床垫数", "优惠金额"]
    assert [c.value for c in approvals[1]][:5] == header
    assert [c.value for c in approvals[2]][:5] == [1, "1号 张三", JD, 2, 200]
    kpi = book["KPI考核"]
    assert [c.value for c in kpi[2]][:4] == ["工号", "姓名", "服务素质等级", "服务素质"]
    assert [c.value for c in kpi[3]][:4] == ["1", "张三", "优", 20]  # the formula's cached value
    assert kpi["T3"].value == 20 and kpi["U3"].value == "不合格"
    formulas = load_workbook(io.BytesIO(document.upload.content))["KPI考核"]
    assert str(formulas["D3"].value).startswith("=")  # the manager can change the grade
    bot.assert_clean()


async def test_full_data_is_only_for_an_admin_in_private(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/export 完整", private=True))
    assert text == "完整数据（不打码）只发给主管，且只在私聊中发送。"
    [group] = bot.texts(await bot.send("90", "/export 完整"))
    assert group == "完整数据（不打码）只发给主管，且只在私聊中发送。"
    calls = await bot.send("90", "/export 完整", private=True)
    assert [c.method for c in calls if c.method == "sendDocument"] == ["sendDocument"]


async def test_a_bad_month_for_the_export_changes_nothing(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/export 2026-13", private=True))
    assert "月份格式不对" in text and "用法：/export" in text


async def test_every_chart_kind_is_drawn_even_for_an_empty_month(bot: Harness) -> None:
    for word in ("出勤", "时效", "催付", "kpi", "趋势"):
        calls = await bot.send("80", f"/chart {word} 2026-11", private=True)
        [photo] = [c for c in calls if c.method == "sendPhoto"]
        assert photo.upload is not None and png_size(photo.upload.content)[0] == 1080, word
    bot.assert_clean()


async def test_help_lists_the_months_commands_for_a_lead_only(bot: Harness) -> None:
    [lead] = bot.texts(await bot.send("80", "/help", private=True))
    assert "/kpi" in lead and "/export" in lead and "/discount" in lead
    [agent] = bot.texts(await bot.send("1", "/help", private=True))
    assert "/discount" in agent and "/kpi" not in agent and "/export" not in agent


async def test_the_export_says_in_chinese_how_each_deadline_item_ended(bot: Harness) -> None:
    await bot.send("2", "/prospect 张女士 担心偏硬 A")
    await bot.send("2", "/bought 张女士")
    await bot.send("2", "/unpaid 3391827740 淘宝")
    await bot.send("2", "/dunned 3391827740 不要了")
    calls = await bot.send("80", "/export", private=True)
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.upload is not None
    sheet = load_workbook(io.BytesIO(document.upload.content))["时效"]
    endings = {row[1].value: row[7].value for row in sheet.iter_rows(min_row=2)}
    assert set(endings.values()) == {"已成交", "买家不要了"}  # was "bought", "given_up"
    bot.assert_clean()
