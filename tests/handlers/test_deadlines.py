"""Deadlines through the real application: dunning, tickets, follow-ups, lists, escalation."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from bot.domain.deadline_item import DeadlineItem
from bot.domain.members import Member
from tests.harness import Harness

# Demo team, Monday 2026-11-23 08:30: 李四 (2) and 王五 (3) work the day shift today,
# 张三 (1) is off on Mondays; 李组长 (80) leads the day shift; 周主管 (90) is the admin.
AGENT = "2"


def start_all(bot: Harness) -> None:
    """Let the bot message every member privately (they all sent /start)."""
    for member in bot.svc.members.all():
        bot.api.started.add(member.user_id)
        bot.svc.members.update(member.user_id, can_dm=True)


def uid(bot: Harness, work_no: str) -> int:
    member = bot.svc.members.by_work_no(work_no)
    assert member is not None
    return member.user_id


def notes(calls: list[Any], chat_id: int) -> list[str]:
    """Return the single notifications that reached a chat, combined messages taken apart."""
    result = []
    for c in calls:
        if c.method != "sendMessage" or c.chat_id != chat_id:
            continue
        if isinstance(c.result, dict) and "error" in c.result:
            continue
        result.extend(c.text.split("\n\n")[1:] if c.text.startswith("🔔 共") else [c.text])
    return result


def to(bot: Harness, calls: list[Any], work_no: str) -> list[str]:
    """Return this feature's notifications (they name an item #N) sent privately to a member.

    Other features (check-in, handover) remind the same people at the same times.
    """
    return [t for t in notes(calls, uid(bot, work_no)) if re.search(r"#\d+", t)]


def group(bot: Harness, calls: list[Any]) -> list[str]:
    """Return the notifications posted in the team chat."""
    return notes(calls, bot.settings.team_chat)


def items(bot: Harness) -> list[DeadlineItem]:
    return bot.svc.deadlines.items.all()


async def test_unpaid_order_placed_before_eight_is_due_at_1030(bot: Harness) -> None:
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740 天猫 7:59"))
    assert "催付 #1 订单 3391827740（天猫）" in text
    assert "今天 10:30" in text and "2号 李四" in text
    [item] = items(bot)
    assert item.platform == "tmall" and item.owner == uid(bot, AGENT)
    assert item.next_at == bot.at("2026-11-23 10:00")
    [tick] = bot.svc.scheduler.timers.pending("deadlines:tick")
    assert tick.due == bot.at("2026-11-23 10:00")


async def test_unpaid_order_from_last_night_uses_yesterday(bot: Harness) -> None:
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740 昨天 21:10"))
    assert "今天 10:30" in text


async def test_unpaid_bad_input_gets_usage_and_changes_nothing(bot: Harness) -> None:
    assert "用法：/unpaid" in bot.texts(await bot.send(AGENT, "/unpaid"))[0]
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740 拼多多"))
    assert "不认识的平台“拼多多”" in text and "用法：/unpaid" in text
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740 09:15"))
    assert "还没到" in text and "用法：/unpaid" in text
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740 昨天 25:10"))
    assert "看不懂时间" in text
    [text] = bot.texts(await bot.send(AGENT, "/unpaid ab"))
    assert "订单号" in text
    assert items(bot) == []
    await bot.send(AGENT, "/unpaid 3391827740")
    [text] = bot.texts(await bot.send(AGENT, "/unpaid 3391827740"))
    assert "已在催付中" in text and len(items(bot)) == 1


async def test_owner_is_warned_then_owner_and_lead_get_overdue_then_escalation(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    calls = await bot.advance("2026-11-23 10:00")
    assert to(bot, calls, AGENT) == [
        "⏰ 催付 #1 订单 3391827740（淘宝） 还有 30 分钟到期（今天 10:30）· 负责人 2号 李四"
    ]
    calls = await bot.advance("2026-11-23 10:20")
    assert "还有 10 分钟" in to(bot, calls, AGENT)[0]
    calls = await bot.advance("2026-11-23 10:30")
    assert to(bot, calls, AGENT)[0].startswith("🔴 已超时：催付 #1")
    assert to(bot, calls, "80")[0].startswith("🔴 已超时：催付 #1")
    assert to(bot, calls, "90") == []
    calls = await bot.advance("2026-11-23 11:30")
    assert to(bot, calls, AGENT) == []
    assert "已超时 1 小时，仍未处理" in to(bot, calls, "80")[0]
    assert "已超时 1 小时，仍未处理" in to(bot, calls, "90")[0]
    assert items(bot)[0].next_at is None
    assert bot.svc.scheduler.timers.pending("deadlines:tick") == []
    later = bot.texts(await bot.advance("2026-11-24 12:00"))
    assert not [t for t in later if "3391827740" in t]


async def test_an_order_registered_overdue_tells_the_owner_once_how_late_it_is(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.advance("2026-11-23 10:50")
    calls = await bot.send(AGENT, "/unpaid 3391827741 淘宝 07:10")
    [reply] = bot.texts(calls)
    assert "负责人 2号 李四" in reply and "登记时已超时 20 分钟，请立即处理" in reply
    assert to(bot, calls, AGENT) == [] and to(bot, calls, "80") == []  # the reply said it
    calls = await bot.advance("2026-11-23 11:30")
    assert to(bot, calls, AGENT) == []
    assert "🚨 已超时 1 小时，仍未处理：催付 #1" in to(bot, calls, "90")[0]


async def test_an_item_two_days_late_is_escalated_at_once_with_its_real_lateness(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.advance("2026-11-23 10:50")
    calls = await bot.send(AGENT, "/unpaid 3391827741 淘宝 前天 07:10")
    assert "登记时已超时 2 天" in bot.texts(calls)[0]
    assert to(bot, calls, AGENT) == []
    [lead] = to(bot, calls, "80")
    assert lead.startswith("🚨 已超时 2 天，仍未处理：催付 #1") and "补发" not in lead


async def test_an_owner_who_did_not_register_the_item_is_told_once_that_it_is_overdue(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.advance("2026-11-23 10:50")
    calls = await bot.send("80", "/unpaid 3391827741 淘宝 07:10")
    [owner] = to(bot, calls, AGENT)
    assert owner.startswith("📌 李组长 登记了 催付 #1") and "登记时已超时 20 分钟" in owner
    assert to(bot, await bot.advance("2026-11-23 11:29"), AGENT) == []


async def test_paid_in_time_stops_every_reminder(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.send(AGENT, "/dunned 3391827740 电话未接，旺旺留言")
    [text] = bot.texts(await bot.send(AGENT, "/paid 3391827740"))
    assert "已付款" in text and "按时完成" in text and "共催付 1 次" in text
    calls = await bot.advance("2026-11-23 12:00")
    assert not [c for c in calls if "3391827740" in c.text]
    assert items(bot) == []
    [archived] = list(bot.svc.deadlines.items.closed("2026-11"))
    assert archived.closing is not None and archived.closing.status == "paid"
    assert archived.attempts[0].result.startswith("电话")


async def test_dunned_before_the_deadline_meets_it_and_no_reminder_follows(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.advance("2026-11-23 10:05")
    [text] = bot.texts(await bot.send(AGENT, "/dunned 3391827740 电话未接，旺旺留言"))
    assert "✅ 按时完成催付（应于 今天 10:30 前），不再提醒" in text and "/paid" in text
    calls = await bot.advance("2026-11-23 13:00")
    assert not [t for t in bot.texts(calls) if "3391827740" in t]
    [mine] = bot.texts(await bot.send(AGENT, "/mine"))
    assert "已按时催付，等待付款" in mine and "超时" not in mine.replace("按时", "")
    assert bot.texts(await bot.send("80", "/overdue")) == ["✅ 目前没有超时的待办。"]
    [text] = bot.texts(await bot.send(AGENT, "/paid 3391827740"))
    assert "催付成交" in text and "超时" not in text  # paying late is the buyer's doing


async def test_a_chase_after_the_deadline_is_recorded_late_and_stops_the_escalation(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.advance("2026-11-23 10:40")
    [text] = bot.texts(await bot.send(AGENT, "/dunned 3391827740 已电话"))
    assert "催付已完成，但晚了 10 分钟" in text
    calls = await bot.advance("2026-11-23 12:00")
    assert not [t for t in bot.texts(calls) if "3391827740" in t]


async def test_a_result_saying_the_buyer_gave_up_closes_the_order_unpaid(bot: Harness) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    [text] = bot.texts(await bot.send(AGENT, "/dunned 3391827740 顾客说不要了"))
    assert "订单 3391827740 已关闭，计入催付未成交" in text
    assert items(bot) == []
    [archived] = list(bot.svc.deadlines.items.closed("2026-11"))
    assert archived.closing is not None and archived.closing.status == "given_up"


async def test_an_order_paid_before_anybody_chased_it_owes_no_dunning(bot: Harness) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    [text] = bot.texts(await bot.send(AGENT, "/paid 3391827740"))
    assert text == "✅ 订单 3391827740 已付款，还没催付就付了，无需催付。"


async def test_dunrate_shows_the_conversion_rate_of_the_team_and_each_chaser(
    bot: Harness,
) -> None:
    assert "本月还没有催付记录" in bot.texts(await bot.send(AGENT, "/dunrate"))[0]
    for number in ("3391827740", "3391827741", "3391827742", "3391827743"):
        await bot.send(AGENT, f"/unpaid {number} 淘宝 07:00")
    await bot.send(AGENT, "/dunned 3391827740 电话联系，答应付款")
    await bot.send("3", "/dunned 3391827741 旺旺留言")
    await bot.send(AGENT, "/dunned 3391827742 不要了")
    await bot.send(AGENT, "/paid 3391827740")
    await bot.send(AGENT, "/paid 3391827743")  # paid before any chase: not counted
    [text] = bot.texts(await bot.send(AGENT, "/催付成交率"))
    assert text.splitlines() == [
        "11月催付成交率（催付后付款 ÷ 已有结果的催付订单）：",
        "全组：1/2 = 50%，另有 1 单待付款",
        "2号 李四：1/2 = 50%",
        "3号 王五：暂无结果，另有 1 单待付款",
    ]
    assert "用法：/dunrate" in bot.texts(await bot.send(AGENT, "/dunrate 11月"))[0]


async def test_dunned_is_written_to_the_order_remark_history(bot: Harness) -> None:
    recorded: list[tuple[Any, ...]] = []

    class Orders:
        def record_dunning(
            self,
            order_no: str,
            result: str,
            member: Member,
            at: datetime,
            platform: str | None = None,
        ) -> None:
            recorded.append((order_no, result, member.work_no, at, platform))

        def validate_order_no(self, text: str) -> str:
            return text

        def detect_platform(self, order_no: str) -> str | None:
            return "jd"

    bot.svc.deadlines.orders = Orders()
    await bot.send(AGENT, "/unpaid 3391827740")
    [text] = bot.texts(await bot.send(AGENT, "/dunned 3391827740 已电话，答应中午付"))
    assert "已记录第 1 次催付" in text and "已写入订单备注记录" in text
    assert recorded == [("3391827740", "已电话，答应中午付", "2", bot.svc.clock.now(), "jd")]
    assert "用法：/dunned" in bot.texts(await bot.send(AGENT, "/dunned 3391827740"))[0]
    assert "没有正在催付" in bot.texts(await bot.send(AGENT, "/dunned 999999 好"))[0]
    assert "没有正在催付" in bot.texts(await bot.send(AGENT, "/paid 999999"))[0]


async def test_jd_ticket_on_friday_evening_is_due_monday_morning(tmp_path: Any) -> None:
    async with Harness(tmp_path, start="2026-11-27 17:40") as bot:
        [text] = bot.texts(await bot.send(AGENT, "/ticket 京东 JD20261127 17:30 物流破损"))
        assert "京东工单 #1 工单 JD20261127" in text and "11-30（周一）10:30" in text
        [text] = bot.texts(await bot.send(AGENT, "/done JD20261127"))
        assert "已完成：京东工单 #1" in text and "按时完成" in text
        bot.assert_clean()


async def test_ticket_bad_input(bot: Harness) -> None:
    assert "用法：/ticket" in bot.texts(await bot.send(AGENT, "/ticket 京东"))[0]
    [text] = bot.texts(await bot.send(AGENT, "/ticket 拼多多 123"))
    assert "不认识的工单类型" in text and "用法：/ticket" in text
    [text] = bot.texts(await bot.send(AGENT, "/ticket 天猫 T1 11-24 09:00"))
    assert "还没到" in text
    [text] = bot.texts(await bot.send(AGENT, "/ticket 天猫 T1 02-30 09:00"))
    assert "不存在" in text
    [text] = bot.texts(await bot.send(AGENT, "/ticket 天猫 T1 明天 09:00"))
    assert "还没到" in text
    assert items(bot) == []
    await bot.send(AGENT, "/ticket 天猫 T1")
    assert "已登记" in bot.texts(await bot.send(AGENT, "/ticket 天猫 T1"))[0]
    assert "用法：/done" in bot.texts(await bot.send(AGENT, "/done"))[0]
    assert "没有找到待办" in bot.texts(await bot.send(AGENT, "/done T9"))[0]


async def test_reminder_for_an_owner_off_shift_goes_to_the_lead(bot: Harness) -> None:
    start_all(bot)
    # 李四 is off on Wednesday; the Tmall escalation opened Monday 08:30 falls due then.
    await bot.send(AGENT, "/ticket 天猫 TM100")
    calls = await bot.advance("2026-11-25 08:00")
    assert to(bot, calls, AGENT) == []
    assert any("还有 30 分钟到期" in t for t in to(bot, calls, "80"))


async def test_member_who_never_started_the_bot_is_mentioned_in_the_team_chat(
    bot: Harness,
) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    calls = await bot.advance("2026-11-23 10:00")
    posted = [c.text for c in calls if c.chat_id == bot.settings.team_chat]
    assert any("李四" in t and "催付 #1" in t and "还有 30 分钟" in t for t in posted)
    assert bot.svc.members.by_work_no(AGENT).can_dm is False


async def test_prospect_gets_three_visits_and_closes_itself_without_reply(bot: Harness) -> None:
    start_all(bot)
    [text] = bot.texts(await bot.send(AGENT, "/prospect 张女士 担心床垫太硬"))
    assert "回访 #1 客户 张女士（A类）" in text and "明天 10:00" in text
    calls = await bot.advance("2026-11-24 10:00")
    [reminder] = to(bot, calls, AGENT)
    assert "今天开始第 1 次回访" in reminder and "担心床垫太硬" in reminder
    [text] = bot.texts(await bot.send(AGENT, "/visit 张女士 解释了软硬度"))
    assert "已记录第 1 次回访" in text and "明天 10:00" in text and "11-27（周五）17:00" in text
    await bot.advance("2026-11-25 10:00")
    await bot.send(AGENT, "/visit 张女士")
    calls = await bot.advance("2026-11-29 10:00")
    assert any("第 3 次回访" in t for t in to(bot, calls, AGENT))
    [text] = bot.texts(await bot.send(AGENT, "/visit 张女士 问是否已购买"))
    assert "连续 3 次回访无回复，跟进结束" in text
    assert items(bot) == []


async def test_visit_overdue_tells_owner_and_lead(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/prospect 张女士 价格")
    calls = await bot.advance("2026-11-24 17:00")
    assert any("已超时：回访 #1" in t for t in to(bot, calls, AGENT))
    assert any("已超时：回访 #1" in t for t in to(bot, calls, "80"))


async def test_reply_restarts_the_cycle_and_purchase_closes_it(bot: Harness) -> None:
    await bot.send(AGENT, "/prospect 张女士 价格")
    await bot.advance("2026-11-24 11:00")
    await bot.send(AGENT, "/visit 张女士")
    await bot.advance("2026-11-26 09:00")
    [text] = bot.texts(await bot.send(AGENT, "/replied 张女士"))
    assert "重新开始" in text and "明天 10:00" in text
    [item] = items(bot)
    assert item.visit == 1 and item.cycle_start == date(2026, 11, 26)
    [text] = bot.texts(await bot.send(AGENT, "/bought 张女士"))
    assert "已成交" in text and items(bot) == []


async def test_prospect_bad_input(bot: Harness) -> None:
    assert "用法：/prospect" in bot.texts(await bot.send(AGENT, "/prospect 张女士"))[0]
    assert "用法：/visit" in bot.texts(await bot.send(AGENT, "/visit"))[0]
    assert "没有正在跟进" in bot.texts(await bot.send(AGENT, "/visit 王先生"))[0]
    assert "用法：/replied" in bot.texts(await bot.send(AGENT, "/replied"))[0]
    assert "没有正在跟进" in bot.texts(await bot.send(AGENT, "/lost 王先生"))[0]
    await bot.send(AGENT, "/prospect 张女士 价格 B")
    assert "已在跟进中" in bot.texts(await bot.send(AGENT, "/prospect 张女士 价格"))[0]
    [item] = items(bot)
    assert item.cls == "B" and item.concern == "价格"


async def test_c_customer_waits_for_review_and_continue_puts_it_back(bot: Harness) -> None:
    start_all(bot)
    [text] = bot.texts(await bot.send(AGENT, "/prospect 王先生 只是看看 C"))
    assert "C 类客户" in text and "16:00" in text
    assert items(bot)[0].next_at is None
    assert "等待组长复核" in bot.texts(await bot.send(AGENT, "/visit 王先生"))[0]
    calls = await bot.advance("2026-11-23 16:00")
    [review] = [c for c in calls if c.buttons]
    assert review.chat_id == uid(bot, "80") and "王先生" in review.text
    refused = await bot.press(AGENT, review, "继续跟进")
    assert "需要组长权限" in refused[0].params["text"]
    calls = await bot.press("80", review, "继续跟进")
    assert calls[0].method == "answerCallbackQuery"
    assert any("要求继续跟进" in t for t in bot.texts(calls))
    assert any("需要继续跟进" in t for t in to(bot, calls, AGENT))
    [item] = items(bot)
    assert item.paused is False and item.review == "go"
    calls = await bot.advance("2026-11-24 10:00")
    assert any("第 1 次回访" in t for t in to(bot, calls, AGENT))
    again = await bot.press("80", review, "无需跟进")
    assert again[0].params["text"] == "该客户已处理过了。"


async def test_lead_confirms_no_follow_up_for_a_c_customer(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/prospect 王先生 只是看看 C")
    calls = await bot.advance("2026-11-23 16:00")
    [review] = [c for c in calls if c.buttons]
    calls = await bot.press("80", review, "无需跟进")
    assert any("确认无需跟进" in t for t in bot.texts(calls))
    assert items(bot) == []


async def test_b_customers_are_sampled_for_review(bot: Harness) -> None:
    start_all(bot)
    for n in range(5):
        await bot.send(AGENT, f"/prospect 客户{n} 价格 B")
    calls = await bot.advance("2026-11-23 16:00")
    reviews = [c for c in calls if c.buttons]
    assert len(reviews) == 3  # 60% of five
    assert sorted(str(i.review) for i in items(bot)) == ["asked"] * 3 + ["skipped"] * 2


async def test_mine_lists_soonest_first_and_marks_overdue(bot: Harness) -> None:
    await bot.send(AGENT, "/ticket 京东 JD1")
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.send("3", "/unpaid 3391827741")
    await bot.advance("2026-11-23 10:40")
    [text] = bot.texts(await bot.send(AGENT, "/mine"))
    lines = text.splitlines()
    assert lines[0] == "李四 的待办 2 项（⚠️ 1 项已超时）："
    assert lines[1].startswith("⚠️ 催付 #2") and "已超时 10 分钟" in lines[1]
    assert lines[2].startswith("京东工单 #1") and "今天 11:00" in lines[2]
    assert "没有待办" in bot.texts(await bot.send("90", "/mine"))[0]


async def test_due_today_and_tomorrow(bot: Harness) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.send("3", "/ticket 京东 JD9 08:00")
    await bot.advance("2026-11-23 10:00")
    await bot.send("3", "/ticket 邮件 M1")  # one working day (9 working hours): Tue 10:00
    [today] = bot.texts(await bot.send(AGENT, "/due"))
    assert "今天（11-23）到期的待办 2 项" in today and "2号 李四" in today
    assert today.index("催付 #1") < today.index("京东工单 #2")
    [tomorrow] = bot.texts(await bot.send(AGENT, "/due 明天"))
    assert "邮件 #3 工单 M1" in tomorrow and "3号 王五" in tomorrow
    assert "用法：/due" in bot.texts(await bot.send(AGENT, "/due 后天"))[0]


async def test_overdue_is_for_leads_and_groups_by_owner(bot: Harness) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.send("3", "/unpaid 3391827741 07:30")
    await bot.send("3", "/ticket 京东 JD1")
    await bot.advance("2026-11-23 11:30")
    assert "需要组长权限" in bot.texts(await bot.send(AGENT, "/overdue"))[0]
    [text] = bot.texts(await bot.send("80", "/overdue"))
    assert text.startswith("超时待办共 3 项")
    assert text.index("【3号 王五】2 项") < text.index("【2号 李四】1 项")


async def test_reassign_by_owner_or_lead_only(bot: Harness) -> None:
    start_all(bot)
    await bot.advance("2026-11-23 09:00")  # 王五's shift has started: he is told himself
    await bot.send(AGENT, "/unpaid 3391827740")
    assert "只有组长或该待办的负责人" in bot.texts(await bot.send("3", "/reassign 1 3"))[0]
    calls = await bot.send(AGENT, "/reassign 1 3")
    assert "从 2号 李四 转交给 3号 王五" in bot.texts(calls)[0]
    assert any("转交给 3号 王五" in t for t in to(bot, calls, "3"))
    assert items(bot)[0].owner == uid(bot, "3")
    assert "已经是" in bot.texts(await bot.send("80", "/reassign 1 3"))[0]
    assert "用法：/reassign" in bot.texts(await bot.send("80", "/reassign 1"))[0]
    assert "没有编号为 9" in bot.texts(await bot.send("80", "/reassign 9 3"))[0]
    assert "没有工号为 77" in bot.texts(await bot.send("80", "/reassign 1 77"))[0]


async def test_shipped_order_is_checked_on_day_seven(bot: Harness) -> None:
    start_all(bot)
    [text] = bot.texts(await bot.send(AGENT, "/shipped 3391827740"))
    assert "发货回访 #1 订单 3391827740" in text and "11-30（周一）08:30" in text
    calls = await bot.advance("2026-11-30 08:30")
    assert to(bot, calls, AGENT) == []  # 李四's shift starts at 08:40: the lead is told
    assert any("已超时：发货回访 #1" in t for t in to(bot, calls, "80"))
    calls = await bot.advance("2026-11-30 09:30")
    assert any("已超时 1 小时" in t for t in to(bot, calls, "80"))
    assert "用法：/shipped" in bot.texts(await bot.send(AGENT, "/shipped"))[0]


async def test_routine_reminders_reach_the_team_chat(bot: Harness) -> None:
    calls = await bot.advance("2026-11-23 17:00")
    assert [t for t in group(bot, calls) if "日报" in t] == ["📝 请在 18:00 前提交今日工作日报。"]
    calls = await bot.advance("2026-11-30 08:00")
    posted = group(bot, calls)
    assert sum("18:00 前提交今日工作日报" in t for t in posted) == 6  # Tuesday to Sunday
    meeting = [t for t in posted if "周例会" in t]
    assert meeting == ["📅 今天 09:00 周例会：每位客服汇报上周工作和需要改进的地方。"]


async def test_admins_are_told_privately_once_a_week_that_2027_is_not_covered(
    bot: Harness,
) -> None:
    outbox = bot.svc.store.db("schedule").table("outbox")
    [warning] = [n for n in outbox.all() if n["key"].startswith("deadlines:calendar:2027")]
    assert warning["recipient"] == {"team": True}  # no admin could be messaged privately yet
    assert "holidays = [2027-01-01]" in warning["text"] and "[deadlines]" in warning["text"]
    await bot.send("90", "/start", private=True)
    for day in ("2026-11-24", "2026-11-29"):  # later days of the same week: not repeated
        bot.clock.set(bot.at(f"{day} 08:00"))
        await bot.restart()
    assert not [c for c in bot.api.calls if "节假日表只到 2026 年" in c.text]
    bot.clock.set(bot.at("2026-11-30 08:00"))
    await bot.restart()  # the next week, privately to the admin, not in the team chat
    [call] = [c for c in bot.api.calls if "节假日表只到 2026 年" in c.text]
    assert call.chat_id == uid(bot, "90")


async def test_the_weekly_meeting_is_not_announced_on_a_holiday_monday(tmp_path: Any) -> None:
    # 2026-10-05 is a Monday of the National Day holiday; 2026-10-12 is a working Monday.
    async with Harness(tmp_path, start="2026-10-04 20:00") as bot:
        calls = await bot.advance("2026-10-05 09:00")
        assert not [t for t in group(bot, calls) if "周例会" in t]
        calls = await bot.advance("2026-10-12 09:00")
        assert [t for t in group(bot, calls) if "周例会" in t]


async def test_a_burst_of_reminders_is_one_message_per_recipient(bot: Harness) -> None:
    start_all(bot)
    await bot.advance("2026-11-23 10:00")
    ds = bot.svc.deadlines
    member = bot.svc.members.by_work_no(AGENT)
    for n in range(150):  # ERP tickets: due in 24 h, warned at 09:30 tomorrow, all at once
        now = bot.svc.clock.now()
        ds.tracker.open_item("ticket", "erp", f"E{n:04d}", member, now, now)
    calls = await bot.advance("2026-11-24 09:30")
    mine = [c for c in calls if c.chat_id == uid(bot, AGENT) and "ERP工单" in c.text]
    assert len(mine) == 1 and len(mine[0].text) <= 4096
    assert mine[0].text.startswith("🔔 共 150 条提醒") and "另有" in mine[0].text
    shown = mine[0].text.count("还有 30 分钟到期")
    hidden = int(re.search(r"另有 (\d+) 条", mine[0].text).group(1))
    assert shown + hidden == 150


async def test_two_customers_of_one_name_are_two_follow_ups_and_a_bare_name_asks_which(
    bot: Harness,
) -> None:
    await bot.send(AGENT, "/prospect 张女士-8812 担心床垫太硬")
    [text] = bot.texts(await bot.send(AGENT, "/prospect 张女士-3301 价格"))
    assert "已登记跟进" in text and "#2" in text
    [text] = bot.texts(await bot.send(AGENT, "/visit 张女士 发了链接"))
    assert "#1 张女士-8812" in text and "#2 张女士-3301" in text and "编号" in text
    for command in ("/replied 张女士", "/bought 张女士", "/lost 张女士"):
        assert "有 2 位客户" in bot.texts(await bot.send(AGENT, command))[0]
    assert [(i.id, len(i.visits), i.replies) for i in items(bot)] == [(1, 0, 0), (2, 0, 0)]
    [text] = bot.texts(await bot.send(AGENT, "/visit #2 发了链接"))
    assert "第 1 次回访：客户 张女士-3301" in text
    [text] = bot.texts(await bot.send(AGENT, "/visit 张女士-8812"))
    assert "第 1 次回访：客户 张女士-8812" in text


async def test_the_same_customer_twice_is_refused_with_how_to_tell_a_namesake_apart(
    bot: Harness,
) -> None:
    await bot.send(AGENT, "/prospect 张女士 价格")
    [text] = bot.texts(await bot.send(AGENT, "/prospect 张女士 担心床垫太硬"))
    assert "已在跟进中（#1）" in text and "/prospect 张女士-8812 担心床垫太硬" in text
    await bot.send(AGENT, "/prospect 张女士-8812 担心床垫太硬")
    assert "有 2 位客户" in bot.texts(await bot.send(AGENT, "/visit 张女士"))[0]
    assert "客户请写名字" in bot.texts(await bot.send(AGENT, "/prospect #5 价格"))[0]
    assert len(items(bot)) == 2


async def test_lost_after_three_visits_closes_the_follow_up(bot: Harness) -> None:
    await bot.send(AGENT, "/prospect 张女士 价格")
    await bot.advance("2026-11-24 11:00")
    await bot.send(AGENT, "/visit 张女士")
    await bot.advance("2026-11-25 11:00")
    await bot.send(AGENT, "/visit 张女士")
    [item] = items(bot)
    item.visits.append(item.visits[-1])  # a third real visit, without closing by /visit
    bot.svc.deadlines.items.save(item)
    [text] = bot.texts(await bot.send(AGENT, "/lost 张女士 买了别家"))
    assert "已流失，跟进结束（#1，回访 3 次）" in text and items(bot) == []


async def test_lost_with_fewer_than_three_visits_waits_for_the_lead(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/prospect 张女士 价格")
    await bot.advance("2026-11-24 11:00")
    await bot.send(AGENT, "/visit 张女士")
    calls = await bot.send(AGENT, "/lost 张女士 买了别家")
    assert any("不足 3 次" in t and "组长确认" in t for t in bot.texts(calls))
    [card] = [c for c in calls if c.buttons]
    assert card.chat_id == uid(bot, "80") and "买了别家" in card.text and "1 次" in card.text
    [item] = items(bot)
    assert item.paused and item.review == "lost" and item.next_at is None
    assert "等待组长确认" in bot.texts(await bot.send(AGENT, "/visit 张女士"))[0]
    assert "等待确认" in bot.texts(await bot.send(AGENT, "/lost 张女士"))[0]
    calls = await bot.press("80", card, "继续跟进")
    assert any("要求继续跟进" in t for t in bot.texts(calls))
    [item] = items(bot)
    assert not item.paused and item.visit == 2 and item.next_at is not None
    [text] = bot.texts(await bot.send(AGENT, "/visit 张女士"))
    assert "已记录第 2 次回访" in text


async def test_lead_confirms_an_early_lost_customer_and_it_closes_as_lost(bot: Harness) -> None:
    start_all(bot)
    await bot.send(AGENT, "/prospect 张女士 价格")
    calls = await bot.send(AGENT, "/lost 张女士 买了别家")
    [card] = [c for c in calls if c.buttons]
    assert len(items(bot)) == 1
    calls = await bot.press("80", card, "无需跟进")
    assert any("按流失结束" in t for t in bot.texts(calls))
    assert items(bot) == []
    [closed] = list(bot.svc.deadlines.items.closed("2026-11"))
    assert closed.closing is not None and closed.closing.status == "lost"
    assert closed.closing.note == "买了别家"


async def test_overdue_lists_thirty_items_in_all_and_says_how_to_see_each_owners_rest(
    bot: Harness,
) -> None:
    for n in range(25):
        await bot.send("3", f"/unpaid 33918277{n:02d} 07:00")
    for n in range(10):
        await bot.send(AGENT, f"/unpaid 33918278{n:02d} 07:00")
    await bot.send("1", "/ticket 京东 JD1 07:00")
    await bot.advance("2026-11-23 23:30")
    [text] = bot.texts(await bot.send("80", "/overdue"))
    lines = text.splitlines()
    assert lines[0] == "超时待办共 36 项："
    assert sum(line.startswith("⚠️ ") for line in lines) == 30
    assert "【3号 王五】25 项" in lines and "【2号 李四】10 项" in lines
    assert "……另有 5 项未列出，发送 /overdue 2 查看" in lines
    assert lines[-1] == "【1号 张三】1 项 · 发送 /overdue 1 查看"


async def test_overdue_with_a_work_number_lists_only_that_members_overdue_items(
    bot: Harness,
) -> None:
    await bot.send(AGENT, "/unpaid 3391827740 淘宝 07:00")
    await bot.send("3", "/unpaid 3391827741 07:30")
    await bot.send("3", "/ticket 京东 JD1")
    await bot.advance("2026-11-23 11:30")
    [text] = bot.texts(await bot.send("80", "/overdue 3号"))
    lines = text.splitlines()
    assert lines[0] == "【3号 王五】超时待办 2 项："
    assert lines[1].startswith("⚠️ 催付 #2") and lines[2].startswith("⚠️ 京东工单 #3")
    assert len(lines) == 3
    [none] = bot.texts(await bot.send("80", "/超时 1"))
    assert none == "✅ 1号 张三 目前没有超时的待办。"
    assert "没有工号为 77" in bot.texts(await bot.send("80", "/overdue 77"))[0]
    assert "需要组长权限" in bot.texts(await bot.send(AGENT, "/overdue 2"))[0]


async def test_due_beyond_thirty_items_counts_the_rest_and_points_to_mine(bot: Harness) -> None:
    for n in range(32):
        await bot.send("3", f"/unpaid 33918277{n:02d}")
    [text] = bot.texts(await bot.send(AGENT, "/due"))
    lines = text.splitlines()
    assert lines[0] == "今天（11-23）到期的待办 32 项："
    assert len(lines) == 32
    assert lines[-1] == "……另有 2 项未列出，各人发送 /mine 查看自己的全部待办"
