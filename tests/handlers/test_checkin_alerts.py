"""Login reminders, the deadline summary, late reports and downtime, through the real app."""

from __future__ import annotations

from pathlib import Path

from tests.handlers.test_checkin import LEAD, lead_texts, screenshot
from tests.harness import Harness, example_raw

ZHANG, LI, WANG = 100011, 100012, 100013


def to_user(calls: list, user_id: int) -> list[str]:
    """Return texts sent privately to one user."""
    return [c.text for c in calls if c.method == "sendMessage" and c.chat_id == user_id]


async def test_login_reminder_goes_privately_to_agents_not_yet_checked_in(bot: Harness) -> None:
    bot.api.started.update({ZHANG, LI, WANG})
    await bot.advance("2026-11-24 08:20")
    await bot.send("1", "/checkin", photo=screenshot(1))  # early, within the hour before login
    calls = await bot.advance("2026-11-24 08:40")
    assert to_user(calls, ZHANG) == []
    [reminder] = to_user(calls, LI)
    assert "白班上班时间到了" in reminder and "京东自营店、淘宝C店2" in reminder
    assert len(to_user(calls, WANG)) == 1


async def test_reminder_falls_back_to_one_mention_in_the_team_chat(bot: Harness) -> None:
    await bot.advance("2026-11-24 08:39")
    calls = await bot.advance("2026-11-24 08:40")
    group = [c.text for c in calls if c.chat_id == bot.settings.team_chat]
    assert len(group) == 1
    assert all(name in group[0] for name in ("张三", "李四", "王五"))
    assert "未开启私聊" in group[0]


async def test_summary_lists_on_time_late_missing_off_and_uncovered(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:44")
    await bot.send("2", "/checkin", photo=screenshot(2))
    calls = await bot.advance("2026-11-23 08:50")
    [summary] = [t for t in lead_texts(bot, calls) if "挂号（截止 08:50）" in t]
    assert "✅ 准时（1）：2号 李四 08:44" in summary
    assert "❌ 未挂号（1）：3号 王五（负责：唯品会专卖）" in summary
    assert "🛌 休息/请假（1）：1号 张三（轮休）" in summary
    assert "⚠️ 无人负责的账号（3）：天猫旗舰店、淘宝C店1、官网客服" in summary
    assert "【补发】" not in summary


async def test_all_good_summary_is_one_line(tmp_path: Path) -> None:
    raw = example_raw()
    raw["checkin"]["accounts"]["day"]["官网客服"] = 3
    async with Harness(tmp_path / "data", start="2026-11-24 08:30", raw=raw) as bot:
        bot.api.started.add(LEAD)
        for no, seed in (("1", 3), ("2", 4), ("3", 5)):
            await bot.send(no, "/checkin", photo=screenshot(seed))
        calls = await bot.advance("2026-11-24 08:50")
        [summary] = [t for t in to_user(calls, LEAD) if "挂号" in t]
        assert summary == (
            "✅ 11月24日（周二） 白班挂号（截止 08:50）：3 人全部准时，所有账号都有人负责。"
        )
        bot.assert_clean()


async def test_missing_agent_is_chased_after_the_deadline(bot: Harness) -> None:
    bot.api.started.add(WANG)
    await bot.advance("2026-11-23 08:44")
    await bot.send("2", "/checkin", photo=screenshot(6))
    calls = await bot.advance("2026-11-23 08:50")
    assert any("挂号已过截止时间 08:50" in t for t in to_user(calls, WANG))


async def test_late_check_in_after_the_summary_is_reported_once(bot: Harness) -> None:
    bot.api.started.add(LEAD)
    await bot.advance("2026-11-23 08:58")
    calls = await bot.send("3", "/checkin", photo=screenshot(7))
    [alert] = to_user(calls, LEAD)
    assert alert == "⏰ 3号客服 王五 11月23日（周一） 白班 08:58 挂号，迟到 8 分钟。"
    calls = await bot.send("3", "/checkin", photo=screenshot(8))
    assert to_user(calls, LEAD) == []


async def test_summary_missed_while_down_is_sent_once_marked_late(tmp_path: Path) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 08:30") as bot:
        bot.api.started.add(LEAD)
        await bot.send("2", "/checkin", photo=screenshot(9))
        bot.clock.set(bot.at("2026-11-23 10:00"))  # the bot was down from 08:30 to 10:00
        before = len(bot.api.calls)
        await bot.restart()
        summaries = [t for t in to_user(bot.api.calls[before:], LEAD) if "截止 08:50" in t]
        assert len(summaries) == 1
        assert summaries[0].startswith("【补发】") and "现补发" in summaries[0]
        await bot.restart()
        assert [t for t in to_user(bot.api.calls, LEAD) if "截止 08:50" in t] == summaries
        bot.assert_clean()


async def test_night_summary_goes_to_the_admin_when_the_night_has_no_lead(bot: Harness) -> None:
    calls = await bot.advance("2026-11-23 16:35")
    [summary] = [t for t in bot.texts(calls) if "晚班挂号（截止 16:35）" in t]
    assert "周主管" in summary and "李组长" not in summary
    assert "11月23日（周一） 晚班挂号（截止 16:35）" in summary
    assert "5号 赵六" in summary and "6号 钱七" in summary


async def test_reminders_can_be_switched_off(tmp_path: Path) -> None:
    raw = example_raw()
    raw["checkin"]["remind_at_login"] = False
    async with Harness(tmp_path / "data", start="2026-11-24 08:30", raw=raw) as bot:
        calls = await bot.advance("2026-11-24 08:45")
        assert not any("上班时间到了" in (c.text or "") for c in calls)
        bot.assert_clean()


async def test_chasing_missing_agents_can_be_switched_off(tmp_path: Path) -> None:
    raw = example_raw()
    raw["checkin"]["chase_missing"] = False
    async with Harness(tmp_path / "data", start="2026-11-24 08:45", raw=raw) as bot:
        calls = await bot.advance("2026-11-24 08:50")
        assert not any("已过截止时间" in (c.text or "") for c in calls)
        assert any("❌ 未挂号（3）" in (c.text or "") for c in calls)
        bot.assert_clean()
