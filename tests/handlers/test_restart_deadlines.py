"""Restart safety: reminders that fell due while the bot was down go out once, marked 补发."""

from __future__ import annotations

import re
from typing import Any

from tests.harness import Harness


def start_all(bot: Harness) -> None:
    """Let the bot message every member privately."""
    for member in bot.svc.members.all():
        bot.api.started.add(member.user_id)
        bot.svc.members.update(member.user_id, can_dm=True)


async def stop_move_start(bot: Harness, to: str) -> list[Any]:
    """Stop the application, move the clock while it is down, start it; return its calls."""
    await bot.__aexit__()
    bot.clock.set(bot.at(to))
    before = len(bot.api.calls)
    bot.app = bot._build()
    await bot.app.initialize()
    await bot.app.post_init(bot.app)
    return bot.api.calls[before:]


def texts_to(bot: Harness, calls: list[Any], work_no: str) -> list[str]:
    """Return the item notifications (``#N``) a member got, combined messages taken apart.

    Other features remind the same people at the same moments; they are left out.
    """
    member = bot.svc.members.by_work_no(work_no)
    assert member is not None
    result = []
    for c in calls:
        if c.method == "sendMessage" and c.chat_id == member.user_id:
            parts = c.text.split("\n\n")[1:] if c.text.startswith("🔔 共") else [c.text]
            result.extend(p for p in parts if re.search(r"#\d+", p))
    return result


async def test_reminders_due_during_downtime_are_sent_once_after_restart(bot: Harness) -> None:
    start_all(bot)
    await bot.send("2", "/unpaid 3391827740 淘宝 07:00")  # due 10:30
    await bot.send("3", "/ticket 京东 JD1")  # due 11:00
    assert [t.key for t in bot.svc.scheduler.timers.pending("deadlines:tick")] == [
        "deadlines:tick"
    ]

    calls = await stop_move_start(bot, "2026-11-23 10:45")
    agent = texts_to(bot, calls, "2")
    assert len(agent) == 1 and agent[0].startswith("【补发】🔴 已超时：催付 #1")
    assert "还有" not in agent[0]  # stale warnings of the same item are not sent
    [other] = texts_to(bot, calls, "3")
    assert other.startswith("【补发】⏰ 京东工单 #2") and "还有 30 分钟" in other
    [lead] = texts_to(bot, calls, "80")
    assert lead.startswith("【补发】🔴 已超时：催付 #1")

    again = await stop_move_start(bot, "2026-11-23 10:46")
    assert [c for c in again if c.method == "sendMessage" and "#" in c.text] == []

    calls = await bot.advance("2026-11-23 12:00")
    lead_texts = texts_to(bot, calls, "80")
    assert sum("已超时 1 小时，仍未处理：催付 #1" in t for t in lead_texts) == 1
    assert sum("已超时 1 小时，仍未处理：京东工单 #2" in t for t in lead_texts) == 1
    assert not [t for t in texts_to(bot, calls, "2") if "【补发】" in t]
    outbox = bot.svc.store.db("schedule").table("outbox").all()
    now = bot.svc.clock.now().isoformat()
    assert all(n["sent_at"] for n in outbox if n["due"] <= now)


async def test_after_downtime_the_owner_hears_of_their_overdue_item_with_the_escalation(
    bot: Harness,
) -> None:
    start_all(bot)
    await bot.send("2", "/unpaid 3391827740 淘宝 07:00")  # due 10:30, escalated at 11:30
    calls = await stop_move_start(bot, "2026-11-23 11:40")
    [owner] = texts_to(bot, calls, "2")
    assert owner.startswith("【补发】🔴 已超时 1 小时 10 分钟：催付 #1")
    [lead] = texts_to(bot, calls, "80")
    assert lead.startswith("【补发】🚨 已超时 1 小时 10 分钟，仍未处理：催付 #1")
    again = await stop_move_start(bot, "2026-11-23 11:41")
    assert texts_to(bot, again, "2") == []


async def test_a_lost_timer_is_rebuilt_from_the_open_items_at_start(bot: Harness) -> None:
    start_all(bot)
    await bot.send("2", "/unpaid 3391827740 淘宝 07:00")
    bot.svc.scheduler.cancel("deadlines:tick")  # as if schedule.json were restored older
    await bot.restart()
    [timer] = bot.svc.scheduler.timers.pending("deadlines:tick")
    assert timer.due == bot.at("2026-11-23 10:00")
    calls = await bot.advance("2026-11-23 10:00")
    assert any("还有 30 分钟" in t for t in texts_to(bot, calls, "2"))


async def test_a_routine_reminder_missed_while_down_is_sent_once(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    calls = await stop_move_start(bot, "2026-11-23 17:30")
    posted = [c.text for c in calls if c.chat_id == bot.settings.team_chat]
    parts = [p for t in posted for p in t.split("\n\n")]
    assert [p for p in parts if "日报" in p] == ["【补发】📝 请在 18:00 前提交今日工作日报。"]
    again = await stop_move_start(bot, "2026-11-23 17:31")
    assert not [c for c in again if "日报" in c.text]
