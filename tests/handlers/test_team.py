"""Team basics through the real application: /help, /join, /team, /role, /remove, access."""

from __future__ import annotations

from tests.harness import Harness

STRANGER = 555001


async def test_help_in_the_group_lists_admin_commands_for_the_admin(bot: Harness) -> None:
    calls = await bot.send("90", "/help")
    [text] = bot.texts(calls)
    assert "周主管（主管）可用的命令" in text
    assert "/role <工号> agent|lead|admin" in text


async def test_help_for_an_agent_hides_admin_commands(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/help"))
    assert "/team" in text
    assert "/role" not in text and "/remove" not in text


async def test_start_in_private_records_that_the_member_can_be_messaged(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/start", private=True))
    assert "已开启私信提醒" in text
    assert bot.svc.members.by_work_no("1").can_dm is True


async def test_stranger_in_private_gets_one_polite_refusal(bot: Harness) -> None:
    first = bot.texts(await bot.send(STRANGER, "/help", private=True))
    second = bot.texts(await bot.send(STRANGER, "/team", private=True))
    assert len(first) == 1 and "只为本店客服团队服务" in first[0]
    assert second == []


async def test_stranger_in_the_group_gets_nothing(bot: Harness) -> None:
    assert bot.texts(await bot.send(STRANGER, "/team")) == []
    assert bot.texts(await bot.send(STRANGER, "你好")) == []


async def test_bot_leaves_a_group_that_is_not_configured(bot: Harness) -> None:
    calls = await bot.send("90", "/help", chat_id=-100777)
    assert [c.method for c in calls] == ["leaveChat"]


async def test_join_approved_by_a_lead_button_makes_a_member(bot: Harness) -> None:
    [ask] = [c for c in await bot.send(STRANGER, "/join 7 王小明") if c.method == "sendMessage"]
    assert "王小明（工号 7）申请加入团队" in ask.text
    calls = await bot.press("80", ask, "批准")
    assert any("欢迎 7号客服 王小明 加入团队" in t for t in bot.texts(calls))
    member = bot.svc.members.get(STRANGER)
    assert member is not None and member.work_no == "7"


async def test_an_agent_cannot_approve_a_join_request(bot: Harness) -> None:
    [ask] = [c for c in await bot.send(STRANGER, "/join 7 王小明") if c.method == "sendMessage"]
    calls = await bot.press("1", ask, "批准")
    assert calls[0].method == "answerCallbackQuery"
    assert "需要组长权限" in calls[0].params["text"]
    assert bot.svc.members.get(STRANGER) is None


async def test_a_stranger_pressing_the_button_changes_nothing(bot: Harness) -> None:
    [ask] = [c for c in await bot.send(STRANGER, "/join 7 王小明") if c.method == "sendMessage"]
    calls = await bot.press(555002, ask, "批准")
    assert calls[0].params["text"] == "仅限团队成员操作。"
    assert bot.svc.members.get(STRANGER) is None


async def test_join_bad_input_gets_usage(bot: Harness) -> None:
    assert "用法：/join" in bot.texts(await bot.send(STRANGER, "/join"))[0]
    assert "工号应为数字" in bot.texts(await bot.send(STRANGER, "/join abc 王"))[0]
    assert "已被 张三 使用" in bot.texts(await bot.send(STRANGER, "/join 1 王"))[0]
    assert bot.svc.members.request(STRANGER) is None


async def test_join_in_private_is_refused_for_a_stranger(bot: Harness) -> None:
    [text] = bot.texts(await bot.send(STRANGER, "/join 7 王", private=True))
    assert "只为本店客服团队服务" in text


async def test_role_changes_a_role_and_rejects_bad_input(bot: Harness) -> None:
    assert "角色已改为组长" in bot.texts(await bot.send("90", "/role 2 lead"))[0]
    assert bot.svc.members.by_work_no("2").role.name == "LEAD"
    assert "用法：/role" in bot.texts(await bot.send("90", "/role 2"))[0]
    assert "未知角色" in bot.texts(await bot.send("90", "/role 2 boss"))[0]
    assert "没有工号为 42 的成员" in bot.texts(await bot.send("90", "/role 42 lead"))[0]
    assert "需要主管权限" in bot.texts(await bot.send("80", "/role 1 admin"))[0]
    assert bot.svc.members.by_work_no("1").role.name == "AGENT"


async def test_the_only_admin_cannot_demote_themselves(bot: Harness) -> None:
    assert "唯一的主管" in bot.texts(await bot.send("90", "/role 90 agent"))[0]
    assert bot.svc.members.by_work_no("90").role.name == "ADMIN"


async def test_remove_takes_a_member_out_and_they_lose_access(bot: Harness) -> None:
    assert "已移除 3号 王五" in bot.texts(await bot.send("90", "/remove 3"))[0]
    assert bot.svc.members.by_work_no("3") is None
    assert "用法：/remove" in bot.texts(await bot.send("90", "/remove"))[0]
    assert "不能移除自己" in bot.texts(await bot.send("90", "/remove 90"))[0]


async def test_team_shows_who_cannot_be_messaged_privately(bot: Harness) -> None:
    bot.svc.members.update(bot.svc.members.by_work_no("2").user_id, can_dm=False)
    [text] = bot.texts(await bot.send("80", "/team"))
    assert "2号 李四 · 客服 · 白班（每周休 周三） · 无法私信（未私聊 /start）" in text


async def test_an_unknown_command_in_private_points_to_help(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/foo", private=True))
    assert text == "没有 /foo 这个命令，发送 /help 查看可用命令。"


async def test_an_unknown_command_in_the_group_is_ignored_unless_addressed(bot: Harness) -> None:
    assert bot.texts(await bot.send("1", "/foo")) == []
    [text] = bot.texts(await bot.send("1", "/foo@kefu_duty_bot"))
    assert "没有 /foo 这个命令" in text


async def test_a_known_command_does_not_trigger_the_unknown_reply(bot: Harness) -> None:
    texts = bot.texts(await bot.send("1", "/help", private=True))
    assert len(texts) == 1 and "可用的命令" in texts[0]
