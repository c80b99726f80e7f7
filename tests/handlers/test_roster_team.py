"""The team sets the roster: /shift, shift buttons on an approved /join, swaps with consent."""

from __future__ import annotations

from bot.config import parse_settings
from bot.transport.local import Sent
from tests.handlers.test_checkin import screenshot
from tests.harness import Harness, example_raw

NEW_HIRE = 555007


async def _approved(bot: Harness) -> list[Sent]:
    """Have a stranger join as 7号 王小明 and a lead approve; return the calls of the press."""
    calls = await bot.send(NEW_HIRE, "/join 7 王小明")
    [ask] = [c for c in calls if c.method == "sendMessage"]
    return await bot.press("80", ask, "批准")


async def test_an_approved_join_offers_shift_buttons_and_the_hire_checks_in_that_day(
    bot: Harness,
) -> None:
    [edit] = [c for c in await _approved(bot) if c.method == "editMessageText"]
    assert "请组长选择班次" in edit.text
    assert [b["text"] for b in edit.buttons] == ["排白班", "排晚班"]
    calls = await bot.press("80", edit, "排白班")
    [text] = [c.text for c in calls if c.method == "editMessageText"]
    assert "已排班：7号客服 王小明 白班 08:40–17:30" in text
    assert "最近一班：11月23日（周一） 白班 08:40–17:30，挂号截止 08:50" in text
    assert bot.svc.members.get(NEW_HIRE).shift == "day"
    [duty] = bot.texts(await bot.send("80", "/duty"))
    assert "7号 王小明" in duty.split("【晚班")[0]
    checked = await bot.send(NEW_HIRE, "/checkin", photo=screenshot(7))
    assert "08:30 · 准时" in bot.texts(checked)[0]


async def test_an_agent_cannot_press_the_shift_buttons(bot: Harness) -> None:
    [edit] = [c for c in await _approved(bot) if c.method == "editMessageText"]
    calls = await bot.press("1", edit, "排晚班")
    assert "需要组长权限才能排班" in calls[0].params["text"]
    assert bot.svc.members.get(NEW_HIRE).shift is None


async def test_shift_sets_the_regular_shift_and_rest_days_shown_by_team(bot: Harness) -> None:
    await _approved(bot)
    [text] = bot.texts(await bot.send("80", "/shift 7 晚班 周六 日"))
    assert text.startswith("已排班：7号客服 王小明 晚班 16:30–00:30，每周休息 周六、周日。")
    member = bot.svc.members.get(NEW_HIRE)
    assert (member.shift, member.days_off) == ("night", (6, 7))
    [team] = bot.texts(await bot.send("80", "/team"))
    assert "7号 王小明 · 客服 · 晚班（每周休 周六、周日）" in team
    [again] = bot.texts(await bot.send("80", "/排班 7 白"))
    assert "白班" in again and "每周休息 周六、周日" in again


async def test_shift_bad_input_changes_nothing(bot: Harness) -> None:
    cases = {
        "/shift": "用法：/shift",
        "/shift 3": "用法：/shift",
        "/shift 44 白班": "没有工号为 44 的成员",
        "/shift 3 中班": "没有班次 '中班'，可选：白班、晚班",
        "/shift 3 白班 周八": "休息日应为 周一…周日",
        "/shift 3 白班 1 2 3 4 5 6 7": "一周七天都休息",
    }
    for command, expected in cases.items():
        [text] = bot.texts(await bot.send("80", command))
        assert expected in text, command
    member = bot.svc.members.by_work_no("3")
    assert (member.shift, member.days_off) == ("day", (5,))
    refused = bot.texts(await bot.send("1", "/shift 3 晚班"))
    assert bot.svc.members.by_work_no("3").shift == "day" and "组长" in refused[0]


async def test_a_swap_takes_effect_only_when_the_partner_agrees(bot: Harness) -> None:
    calls = await bot.send("2", "/swap 6 11-24")
    [ask] = [c for c in calls if c.buttons]
    assert "2号客服 李四 申请 11月24日（周二） 与 6号客服 钱七 换班" in ask.text
    day = bot.at("2026-11-24 00:00").date()
    assert bot.svc.roster.shift_of(bot.svc.members.by_work_no("2"), day) == "day"
    stranger = await bot.press("3", ask, "同意")
    assert "只有 6号 钱七 或组长可以确认" in stranger[0].params["text"]
    assert bot.svc.roster.shift_of(bot.svc.members.by_work_no("2"), day) == "day"
    calls = await bot.press("6", ask, "同意")
    [card] = [c.text for c in calls if c.method == "editMessageText"]
    assert card.startswith("✅ 已换班 11月24日（周二）：2号客服 李四 改上晚班")
    assert "（钱七 同意）" in card
    assert bot.svc.roster.shift_of(bot.svc.members.by_work_no("2"), day) == "night"
    again = await bot.press("6", ask, "同意")
    assert "已处理过了" in again[0].params["text"]


async def test_a_refused_swap_changes_nothing_and_a_lead_may_approve(bot: Harness) -> None:
    [ask] = [c for c in await bot.send("2", "/swap 6 11-24") if c.buttons]
    calls = await bot.press("6", ask, "拒绝")
    assert any("排班不变" in c.text for c in calls if c.method == "editMessageText")
    day = bot.at("2026-11-24 00:00").date()
    assert bot.svc.roster.partner("2", day) is None
    [ask] = [c for c in await bot.send("2", "/swap 6 11-24") if c.buttons]
    calls = await bot.press("80", ask, "同意")
    assert any("（李组长 批准）" in c.text for c in calls if c.method == "editMessageText")
    assert bot.svc.roster.partner("2", day) == "6"


async def test_swap_into_a_rest_day_reads_gai_wei_xiu_xi(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/swap 2 5 11-24"))  # 赵六 rests on Tuesdays
    assert "2号客服 李四 改为休息，5号客服 赵六 改上白班" in text
    assert "改上休息" not in text


async def test_an_agent_cannot_record_a_swap_between_two_others(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/swap 2 6 11-24"))
    assert text.startswith("替他人登记换班需要组长权限")
    assert bot.svc.roster.partner("2", bot.at("2026-11-24 00:00").date()) is None


def _settings_with(bot: Harness, work_no: int, **fields: object) -> None:
    """Change one member in the demo settings the next restart reads."""
    raw = example_raw()
    for member in raw["members"]:
        if member["work_no"] == work_no:
            member.update(fields)
    bot.settings = parse_settings(raw)


async def test_a_settings_change_for_an_existing_member_applies_at_start_and_tells_admins(
    bot: Harness,
) -> None:
    _settings_with(bot, 3, shift="night", days_off=["周六", "周日"])
    admin = bot.svc.members.by_work_no("90").user_id
    bot.api.started.add(admin)  # the admin has sent /start in private
    bot.api.calls.clear()
    await bot.restart()
    member = bot.svc.members.by_work_no("3")
    assert (member.shift, member.days_off) == ("night", (6, 7))
    await bot.advance("2026-11-23 08:31")
    [note] = [c for c in bot.api.calls if c.method == "sendMessage" and "设置文件" in c.text]
    assert note.chat_id == admin
    assert "3号 王五：班次 白班 → 晚班；休息日 周五 → 周六、周日" in note.text


async def test_a_shift_set_by_a_lead_survives_a_restart_with_an_unchanged_file(
    bot: Harness,
) -> None:
    await bot.send("80", "/shift 3 晚班 周一")
    bot.api.calls.clear()
    await bot.restart()
    await bot.advance("2026-11-23 08:31")
    member = bot.svc.members.by_work_no("3")
    assert (member.shift, member.days_off) == ("night", (1,))
    assert not [c for c in bot.api.calls if c.method == "sendMessage" and "设置文件" in c.text]


async def test_help_lists_shift_for_a_lead_and_swap_for_an_agent(bot: Harness) -> None:
    [lead] = bot.texts(await bot.send("80", "/help"))
    assert "/shift <工号> <班次> [休息日…]" in lead
    [agent] = bot.texts(await bot.send("1", "/help"))
    assert "/swap <对方工号> <日期>" in agent and "/shift" not in agent
