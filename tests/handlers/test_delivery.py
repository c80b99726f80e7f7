"""Delivery of stored notifications through the real application and the local Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.transport.local import Sent
from tests.harness import Harness, example_raw

LEADS_CHAT = -1001000000002


def _sent(calls: list[Sent]) -> list[Sent]:
    """Return the messages that went out (not the refused attempts)."""
    return [
        c
        for c in calls
        if c.method == "sendMessage" and not (isinstance(c.result, dict) and "error" in c.result)
    ]


def _uid(bot: Harness, work_no: str) -> int:
    member = bot.svc.members.by_work_no(work_no)
    assert member is not None
    return member.user_id


async def test_a_notification_due_while_stopped_is_sent_once_after_restart(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.svc.scheduler.notify(
        {"user": zhang}, "09:00 请交接", key="t:1", due=bot.at("2026-11-23 09:00")
    )
    before = len(bot.api.calls)
    bot.clock.set(bot.at("2026-11-23 11:00"))  # the bot was down from 08:30 to 11:00
    await bot.restart()
    [message] = _sent(bot.api.calls[before:])
    assert message.chat_id == zhang and message.text == "【补发】09:00 请交接"
    before = len(bot.api.calls)
    await bot.restart()
    await bot.advance("2026-11-23 12:00")
    assert _sent(bot.api.calls[before:]) == []


async def test_a_notification_on_time_has_no_late_mark(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    bot.svc.scheduler.notify(
        {"user": _uid(bot, "1")}, "准时", key="t", due=bot.at("2026-11-23 09:00")
    )
    assert _sent(await bot.advance("2026-11-23 08:59")) == []
    [message] = _sent(await bot.advance("2026-11-23 09:30"))
    assert message.text == "准时"


async def test_several_notifications_due_together_make_one_message(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    due = bot.at("2026-11-23 09:00")
    for n in range(3):
        bot.svc.scheduler.notify({"user": zhang}, f"提醒{n}", key=f"k{n}", due=due)
    bot.svc.scheduler.notify({"team": True}, "群提醒", key="g", due=due)
    sent = _sent(await bot.advance("2026-11-23 09:05"))
    [private] = [c for c in sent if c.chat_id == zhang]
    assert private.text.startswith("🔔 共 3 条提醒")
    assert all(f"提醒{n}" in private.text for n in range(3))
    [group] = [c for c in sent if c.chat_id == bot.settings.team_chat]
    assert group.text == "群提醒"


async def test_a_text_longer_than_telegram_allows_is_split_and_all_delivered(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    lines = [f"{n:04d} 订单 备注 待处理 请核对地址与电话" for n in range(300)]
    bot.svc.scheduler.notify({"user": _uid(bot, "1")}, "\n".join(lines), key="long")
    sent = _sent(await bot.advance("2026-11-23 08:31"))
    assert len(sent) >= 2 and all(len(c.text) <= 4096 for c in sent)
    assert "\n".join(c.text for c in sent) == "\n".join(lines)
    assert bot.svc.members.by_work_no("1").can_dm is True


async def test_special_characters_are_escaped_for_telegram_html(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    bot.svc.scheduler.notify({"user": _uid(bot, "1")}, "单号<A&B> 金额>100", key="esc")
    [message] = _sent(await bot.advance("2026-11-23 08:31"))
    assert message.text == "单号&lt;A&amp;B&gt; 金额&gt;100"
    assert message.params["parse_mode"] == "HTML"


async def test_a_member_who_never_started_is_mentioned_in_the_team_chat(bot: Harness) -> None:
    li = _uid(bot, "2")  # never sent /start privately, so Telegram answers 403
    bot.svc.scheduler.notify({"user": li}, "请确认交接单", key="m")
    calls = await bot.advance("2026-11-23 08:31")
    [message] = _sent(calls)
    assert message.chat_id == bot.settings.team_chat
    assert f'<a href="tg://user?id={li}">李四</a>' in message.text
    assert "未开启私聊" in message.text and "请确认交接单" in message.text
    assert bot.svc.members.by_work_no("2").can_dm is False
    [team] = bot.texts(await bot.send("80", "/team"))
    assert "2号 李四 · 客服 · 白班 · 无法私信（未私聊 /start）" in team


async def test_after_start_in_private_the_next_reminder_goes_privately(bot: Harness) -> None:
    li = _uid(bot, "2")
    bot.svc.scheduler.notify({"user": li}, "第一条", key="a")
    await bot.advance("2026-11-23 08:31")
    await bot.send("2", "/start", private=True)
    bot.svc.scheduler.notify({"user": li}, "第二条", key="b")
    [message] = _sent(await bot.advance("2026-11-23 08:32"))
    assert message.chat_id == li and message.text == "第二条"


async def test_known_unreachable_members_are_not_retried_privately(bot: Harness) -> None:
    li = _uid(bot, "2")
    bot.svc.members.update(li, can_dm=False)
    bot.svc.scheduler.notify({"user": li}, "提醒", key="x")
    calls = await bot.advance("2026-11-23 08:31")
    assert [c.chat_id for c in calls if c.method == "sendMessage"] == [bot.settings.team_chat]


async def test_a_notification_for_a_removed_member_is_dropped(bot: Harness) -> None:
    wang = _uid(bot, "3")
    bot.svc.members.update(wang, removed=True)
    bot.svc.scheduler.notify({"user": wang}, "提醒", key="x")
    assert _sent(await bot.advance("2026-11-23 08:31")) == []
    assert bot.svc.scheduler.outbox.due(bot.clock.now()) == []


async def test_leads_without_a_leads_chat_are_messaged_privately(bot: Harness) -> None:
    lead, admin = _uid(bot, "80"), _uid(bot, "90")
    bot.api.started.update({lead, admin})
    bot.svc.scheduler.notify({"leads": "day"}, "白班未打卡：3号 王五", key="d")
    bot.svc.scheduler.notify({"leads": "night"}, "晚班未打卡：5号 赵六", key="n")
    sent = _sent(await bot.advance("2026-11-23 08:31"))
    by_chat = {c.chat_id: c.text for c in sent}
    assert by_chat[lead] == "白班未打卡：3号 王五"
    assert by_chat[admin] == "晚班未打卡：5号 赵六"  # no night lead: the admins stand in
    assert set(by_chat) == {lead, admin}


async def test_leads_with_a_leads_chat_get_one_message_there(tmp_path: Path) -> None:
    raw = example_raw()
    raw["chats"]["leads"] = LEADS_CHAT
    async with Harness(tmp_path, raw=raw) as bot:
        bot.svc.scheduler.notify({"leads": "day"}, "白班未打卡：3号 王五", key="d")
        bot.svc.scheduler.notify({"leads": None}, "系统提醒", key="s")
        sent = _sent(await bot.advance("2026-11-23 08:31"))
        assert [c.chat_id for c in sent] == [LEADS_CHAT]
        assert "白班未打卡：3号 王五" in sent[0].text and "系统提醒" in sent[0].text
        bot.assert_clean()


async def test_a_chat_that_refuses_is_not_retried_forever(bot: Harness) -> None:
    bot.svc.scheduler.notify({"chat": 42}, "发给一个没开私聊的人", key="c")
    first = await bot.advance("2026-11-23 08:31")
    assert [c.method for c in first] == ["sendMessage"]
    assert _sent(first) == []
    assert _sent(await bot.advance("2026-11-23 09:31")) == []
    assert bot.svc.scheduler.outbox.due(bot.clock.now()) == []


@pytest.mark.parametrize(
    ("text", "mode", "refused"),
    [
        ("x" * 4097, None, "message is too long"),
        ("<b>粗体", "HTML", "can't parse entities"),
        ("1 < 2", "HTML", "can't parse entities"),
        ("&lt;" * 4096, "HTML", None),
        ("   ", None, "message text is empty"),
    ],
)
async def test_the_local_api_refuses_what_telegram_refuses(
    bot: Harness, text: str, mode: str | None, refused: str | None
) -> None:
    bot.api.started.add(1)
    params = {"chat_id": bot.settings.team_chat, "text": text}
    if mode:
        params["parse_mode"] = mode
    status, body = bot.api.handle("sendMessage", params)
    if refused is None:
        assert status == 200
    else:
        assert status == 400 and refused in body["description"]
