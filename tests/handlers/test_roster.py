"""Roster commands through the real application: /duty, /off, /swap, /assign, views."""

from __future__ import annotations

from tests.handlers.test_checkin import screenshot
from tests.harness import Harness


async def test_duty_shows_shifts_accounts_and_who_rests(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/duty"))
    assert text.startswith("📅 11月23日（周一） 值班")
    assert "【白班 08:40–17:30】挂号截止 08:50" in text
    assert "值班：2号 李四、3号 王五、80号 李组长" in text
    assert "京东自营店 → 2号 李四" in text
    assert "官网客服 → ⚠️ 无人负责" in text
    assert "1号 张三（轮休）" in text


async def test_duty_accepts_chinese_dates_and_alias(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/值班 明天"))
    assert text.startswith("📅 11月24日（周二） 值班")
    [text] = bot.texts(await bot.send("1", "/duty 11月25日"))
    assert "2号 李四（轮休）" in text


async def test_duty_bad_input_gets_usage(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/duty 32号"))
    assert "日期格式不对" in text and "用法：/duty" in text
    [text] = bot.texts(await bot.send("1", "/duty 11-24 11-25"))
    assert text.startswith("用法：/duty")


async def test_off_marks_leave_shown_in_duty_and_undone(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/off 3 11-24"))
    assert text.startswith("已登记：3号客服 王五 11月24日（周二） 请假（计入考勤扣分）")
    [duty] = bot.texts(await bot.send("80", "/duty 11-24"))
    assert "3号 王五（请假）" in duty
    assert "唯品会专卖 → ⚠️ 无人负责" in duty
    assert "3号 王五、" not in duty.split("【晚班")[0]
    [undo] = bot.texts(await bot.send("80", "/duty undo 3 11-24"))
    assert undo == "已撤销 3号客服 王五 11月24日（周二） 的请假。"
    [duty] = bot.texts(await bot.send("80", "/duty 11-24"))
    assert "唯品会专卖 → 3号 王五" in duty


async def test_off_can_mark_a_rest_day_that_costs_no_points(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/off 3 2026-11-24 休息"))
    assert "休息。" in text and "扣分" not in text


async def test_off_bad_input_changes_nothing(bot: Harness) -> None:
    cases = {
        "/off": "用法：/off",
        "/off 3": "用法：/off",
        "/off x 11-24": "工号应为数字",
        "/off 44 11-24": "没有工号为 44 的成员",
        "/off 3 13-40": "日期「13-40」不存在",
        "/off 3 11-24 出差": "类型应为 请假 或 休息",
        "/off 2 11-25": "本来就不上班",
    }
    for command, expected in cases.items():
        [text] = bot.texts(await bot.send("80", command))
        assert expected in text, command
    assert bot.svc.roster.repo.offs(bot.at("2026-11-24 00:00").date()) == []


async def test_agents_cannot_change_the_roster(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("2", "/off 3 11-24"))
    assert "需要组长权限" in text
    [text] = bot.texts(await bot.send("2", "/duty undo 3 11-24"))
    assert "需要组长权限" in text
    [text] = bot.texts(await bot.send("2", "/assign 官网客服 2"))
    assert "需要组长权限" in text


async def test_duty_undo_bad_input(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/duty undo 3"))
    assert text.startswith("用法：/duty undo")
    [text] = bot.texts(await bot.send("80", "/duty undo 3 11-24"))
    assert "没有登记请假、休息或换班" in text


async def test_swap_exchanges_shifts_and_accounts_for_the_day(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/swap 2 6 11-24"))
    assert "2号客服 李四 改上晚班，6号客服 钱七 改上白班" in text
    [duty] = bot.texts(await bot.send("80", "/duty 11-24"))
    day, night = duty.split("【晚班")
    assert "6号 钱七" in day and "京东自营店 → 6号 钱七" in day
    assert "2号 李四" in night and "京东自营店 → 2号 李四" in night
    assert "换班：2号 ⇄ 6号" in duty
    [undo] = bot.texts(await bot.send("80", "/duty undo 6 11-24"))
    assert "换班（2号 ⇄ 6号）" in undo


async def test_swap_with_someone_resting_moves_the_day_off(bot: Harness) -> None:
    await bot.send("80", "/swap 2 5 11-24")  # 赵六 rests on Tuesdays
    member = bot.svc.members.by_work_no
    day = bot.at("2026-11-24 00:00").date()
    assert bot.svc.roster.shift_of(member("2"), day) is None
    assert bot.svc.roster.shift_of(member("5"), day) == "day"


async def test_swap_bad_input_changes_nothing(bot: Harness) -> None:
    cases = {
        "/swap 2 6": "用法：/swap",
        "/swap 2 2 11-24": "不能和自己换班",
        "/swap 2 3 11-24": "换班没有变化",
        "/swap 2 z 11-24": "工号应为数字",
        "/swap 2 6 someday": "日期格式不对",
    }
    for command, expected in cases.items():
        [text] = bot.texts(await bot.send("80", command))
        assert expected in text, command
    assert bot.svc.roster.repo.swaps(bot.at("2026-11-24 00:00").date()) == []
    await bot.send("80", "/swap 2 6 11-24")
    [text] = bot.texts(await bot.send("80", "/swap 6 5 11-24"))
    assert "已有换班" in text


async def test_assign_gives_an_account_for_the_members_current_shift(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/assign 官网客服 3"))
    assert text == "已将 官网客服 分给 3号客服 王五：11月23日（周一） 白班 08:40–17:30。"
    assert bot.svc.roster.holder("官网客服", bot.at("2026-11-23 10:00")).work_no == "3"
    assert bot.svc.roster.holder("官网客服", bot.at("2026-11-24 10:00")) is None
    [text] = bot.texts(await bot.send("80", "/assign 京东 3"))
    assert "原由 2号客服 李四 负责" in text


async def test_assign_to_a_night_agent_in_the_morning_means_tonight(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/assign 官网客服 6"))
    assert "11月23日（周一） 晚班" in text
    assert bot.svc.roster.holder("官网客服", bot.at("2026-11-23 20:00")).work_no == "6"


async def test_assign_back_to_default(bot: Harness) -> None:
    await bot.advance("2026-11-23 09:00")
    await bot.send("80", "/assign 唯品会 2")
    [text] = bot.texts(await bot.send("80", "/assign 唯品会专卖 默认"))
    assert text == "已恢复 唯品会专卖 的默认分配（11月23日（周一） 白班）：3号客服 王五。"


async def test_assign_bad_input_changes_nothing(bot: Harness) -> None:
    cases = {
        "/assign 官网客服": "用法：/assign",
        "/assign 拼多多 3": "没有账号 '拼多多'",
        "/assign 淘宝 3": "对应多个账号：淘宝C店1、淘宝C店2",
        "/assign 官网客服 abc": "工号应为数字",
        "/assign 官网客服 44": "没有工号为 44 的成员",
        "/assign 官网客服 90": "近一周没有排班",
    }
    for command, expected in cases.items():
        [text] = bot.texts(await bot.send("80", command))
        assert expected in text, command
    assert bot.svc.roster.holder("官网客服", bot.at("2026-11-23 10:00")) is None


async def test_checkins_lists_each_shift_for_the_lead(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    await bot.send("2", "/checkin", photo=screenshot(20))
    await bot.advance("2026-11-23 09:05")
    [text] = bot.texts(await bot.send("80", "/checkins"))
    assert "2号 李四 08:45 准时 · 京东自营店、淘宝C店2 · 截图 1 张" in text
    assert "3号 王五 未挂号" in text
    assert "6号 钱七 尚未挂号" in text
    assert "⚠️ 无人负责：天猫旗舰店、淘宝C店1、官网客服" in text


async def test_checkins_and_attendance_bad_input(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/checkins 11-99"))
    assert "日期「11-99」不存在" in text and "用法：/checkins" in text
    [text] = bot.texts(await bot.send("80", "/attendance 2026-13"))
    assert "月份「2026-13」不存在" in text and "用法：/attendance" in text
    [text] = bot.texts(await bot.send("80", "/attendance 2027-01"))
    assert "还没开始" in text
    [text] = bot.texts(await bot.send("80", "/attendance 2026-10"))
    assert "没有挂号记录" in text
    [text] = bot.texts(await bot.send("2", "/attendance"))
    assert "需要组长权限" in text


async def test_attendance_counts_late_minutes_absences_leave_and_score(bot: Harness) -> None:
    await bot.send("80", "/off 3 11-24")  # leave: −5
    await bot.advance("2026-11-23 08:45")
    await bot.send("2", "/checkin", photo=screenshot(21))
    await bot.advance("2026-11-23 09:02")
    await bot.send("3", "/checkin", photo=screenshot(22))  # 12 minutes late: −5
    await bot.advance("2026-11-24 08:44")
    await bot.send("1", "/checkin", photo=screenshot(23))
    await bot.advance("2026-11-24 12:00")  # 李四 never checks in on Tuesday: −10
    [text] = bot.texts(await bot.send("80", "/attendance"))
    assert "11月23日（周一） 至 11月24日（周二）" in text
    lines = text.splitlines()
    assert (
        "1号 张三：值班 1 天，准时 1，迟到 0 次（共 0 分钟），缺勤 0，请假 0 · 考勤分 20/20"
        in lines
    )
    assert (
        "2号 李四：值班 2 天，准时 1，迟到 0 次（共 0 分钟），缺勤 1，请假 0 · 考勤分 10/20"
        in lines
    )
    assert (
        "3号 王五：值班 1 天，准时 0，迟到 1 次（共 12 分钟），缺勤 0，请假 1 · 考勤分 10/20"
        in lines
    )
    assert "5号 赵六：值班 1 天" in text  # Monday night; Tuesday's night has not started yet


async def test_holder_follows_overlapping_shifts_and_early_check_ins(bot: Harness) -> None:
    holder = bot.svc.roster.holder
    assert holder("京东自营店", bot.at("2026-11-23 08:20")).work_no == "2"  # day starts soon
    assert holder("京东自营店", bot.at("2026-11-23 16:00")).work_no == "2"  # day still running
    assert holder("京东自营店", bot.at("2026-11-23 16:40")).work_no == "6"  # night started last
    assert holder("天猫旗舰店", bot.at("2026-11-23 17:00")).work_no == "5"
    assert holder("淘宝C店1", bot.at("2026-11-24 00:20")).work_no == "6"  # night after midnight
    assert holder("京东自营店", bot.at("2026-11-24 03:00")) is None  # nobody works at 03:00
    assert holder("官网客服", bot.at("2026-11-23 10:00")) is None
