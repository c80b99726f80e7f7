"""Delivery of stored notifications through the real application and the local Bot API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from telegram.error import TimedOut

from bot.domain.text import UNCONFIRMED
from bot.transport.local import LocalRequest, Sent
from tests.harness import Harness, example_raw

LEADS_CHAT = -1001000000002


def _sent(calls: list[Sent]) -> list[Sent]:
    """Return the messages that went out (not the refused attempts)."""
    return [
        c
        for c in calls
        if c.method == "sendMessage" and not (isinstance(c.result, dict) and "error" in c.result)
    ]


def _with(calls: list[Sent], marker: str) -> list[Sent]:
    """Return the delivered messages that carry ``marker`` (other features send too)."""
    return [c for c in _sent(calls) if marker in c.text]


def _uid(bot: Harness, work_no: str) -> int:
    member = bot.svc.members.by_work_no(work_no)
    assert member is not None
    return member.user_id


def _pending(bot: Harness, prefix: str) -> list[str]:
    """Return the keys of unsent notifications starting with ``prefix``."""
    return [
        n.key for n in bot.svc.scheduler.outbox.due(bot.clock.now()) if n.key.startswith(prefix)
    ]


async def test_a_notification_due_while_stopped_is_sent_once_after_restart(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.svc.scheduler.notify(
        {"user": zhang}, "T1 请交接", key="t:1", due=bot.at("2026-11-23 09:00")
    )
    before = len(bot.api.calls)
    bot.clock.set(bot.at("2026-11-23 11:00"))  # the bot was down from 08:30 to 11:00
    await bot.restart()
    [message] = _with(bot.api.calls[before:], "T1")
    assert message.chat_id == zhang and message.text == "【补发】T1 请交接"
    before = len(bot.api.calls)
    await bot.restart()
    await bot.advance("2026-11-23 12:00")
    assert _with(bot.api.calls[before:], "T1") == []


async def test_a_notification_on_time_has_no_late_mark(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    bot.svc.scheduler.notify(
        {"user": _uid(bot, "1")}, "T2 准时", key="t", due=bot.at("2026-11-23 09:00")
    )
    assert _with(await bot.advance("2026-11-23 08:59"), "T2") == []
    [message] = _with(await bot.advance("2026-11-23 09:30"), "T2")
    assert message.text == "T2 准时"


async def test_several_notifications_due_together_make_one_message(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    due = bot.at("2026-11-23 09:00")
    for n in range(3):
        bot.svc.scheduler.notify({"user": zhang}, f"T3 提醒{n}", key=f"k{n}", due=due)
    bot.svc.scheduler.notify({"team": True}, "T3 群提醒", key="g", due=due)
    calls = await bot.advance("2026-11-23 09:05")
    [private] = _with(calls, "T3 提醒")
    assert private.chat_id == zhang and private.text.startswith("🔔 共 ")
    assert all(f"T3 提醒{n}" in private.text for n in range(3))
    [group] = _with(calls, "T3 群提醒")
    assert group.chat_id == bot.settings.team_chat


async def test_a_text_longer_than_telegram_allows_is_split_and_all_delivered(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    lines = [f"T4 {n:04d} 订单 备注 待处理 请核对地址与电话" for n in range(300)]
    bot.svc.scheduler.notify({"user": _uid(bot, "1")}, "\n".join(lines), key="long")
    sent = _with(await bot.advance("2026-11-23 08:31"), "T4")
    assert len(sent) >= 2 and all(len(c.text) <= 4096 for c in sent)
    assert "\n".join(c.text for c in sent) == "\n".join(lines)
    assert bot.svc.members.by_work_no("1").can_dm is True


async def test_special_characters_are_escaped_for_telegram_html(bot: Harness) -> None:
    bot.api.started.add(_uid(bot, "1"))
    bot.svc.scheduler.notify({"user": _uid(bot, "1")}, "T5 单号<A&B> 金额>100", key="esc")
    [message] = _with(await bot.advance("2026-11-23 08:31"), "T5")
    assert message.text == "T5 单号&lt;A&amp;B&gt; 金额&gt;100"
    assert message.params["parse_mode"] == "HTML"


async def test_a_member_who_never_started_is_mentioned_in_the_team_chat(bot: Harness) -> None:
    li = _uid(bot, "2")  # never sent /start privately, so Telegram answers 403
    bot.svc.scheduler.notify({"user": li}, "T6 请确认交接单", key="m")
    [message] = _with(await bot.advance("2026-11-23 08:31"), "T6")
    assert message.chat_id == bot.settings.team_chat
    assert f'<a href="tg://user?id={li}">李四</a>' in message.text
    assert "未开启私聊" in message.text
    assert bot.svc.members.by_work_no("2").can_dm is False
    [team] = bot.texts(await bot.send("80", "/team"))
    assert "2号 李四 · 客服 · 白班（每周休 周三） · 无法私信（未私聊 /start）" in team


async def test_after_start_in_private_the_next_reminder_goes_privately(bot: Harness) -> None:
    li = _uid(bot, "2")
    bot.svc.scheduler.notify({"user": li}, "T7 第一条", key="a")
    await bot.advance("2026-11-23 08:31")
    await bot.send("2", "/start", private=True)
    bot.svc.scheduler.notify({"user": li}, "T7 第二条", key="b")
    [message] = _with(await bot.advance("2026-11-23 08:32"), "T7")
    assert message.chat_id == li and message.text == "T7 第二条"


async def test_known_unreachable_members_are_not_retried_privately(bot: Harness) -> None:
    li = _uid(bot, "2")
    bot.svc.members.update(li, can_dm=False)
    bot.svc.scheduler.notify({"user": li}, "T8 提醒", key="x")
    calls = await bot.advance("2026-11-23 08:31")
    assert not any(c.chat_id == li for c in calls)
    assert [c.chat_id for c in _with(calls, "T8")] == [bot.settings.team_chat]


async def test_a_notification_for_a_removed_member_is_dropped(bot: Harness) -> None:
    wang = _uid(bot, "3")
    bot.svc.members.update(wang, removed=True)
    bot.svc.scheduler.notify({"user": wang}, "T9 提醒", key="t9")
    assert _with(await bot.advance("2026-11-23 08:31"), "T9") == []
    assert _pending(bot, "t9") == []


async def test_leads_without_a_leads_chat_are_messaged_privately(bot: Harness) -> None:
    lead, admin = _uid(bot, "80"), _uid(bot, "90")
    await bot.send("80", "/start", private=True)
    await bot.send("90", "/start", private=True)
    bot.svc.scheduler.notify({"leads": "day"}, "T10 白班未打卡：3号 王五", key="d")
    bot.svc.scheduler.notify({"leads": "night"}, "T10 晚班未打卡：5号 赵六", key="n")
    calls = await bot.advance("2026-11-23 08:31")
    [day] = _with(calls, "T10 白班")
    [night] = _with(calls, "T10 晚班")
    assert day.chat_id == lead
    assert night.chat_id == admin  # no night lead: the admins stand in


async def test_leads_with_a_leads_chat_get_one_message_there(tmp_path: Path) -> None:
    raw = example_raw()
    raw["chats"]["leads"] = LEADS_CHAT
    async with Harness(tmp_path, raw=raw) as bot:
        bot.svc.scheduler.notify({"leads": "day"}, "T11 白班未打卡：3号 王五", key="d")
        bot.svc.scheduler.notify({"leads": None}, "T11 系统提醒", key="s")
        [message] = _with(await bot.advance("2026-11-23 08:31"), "T11")
        assert message.chat_id == LEADS_CHAT
        assert "T11 白班未打卡：3号 王五" in message.text and "T11 系统提醒" in message.text
        bot.assert_clean()


async def test_a_chat_that_refuses_is_retried_with_growing_waits_not_dropped(
    bot: Harness,
) -> None:
    bot.svc.scheduler.notify({"chat": 42}, "T12 发给一个没开私聊的人", key="t12")
    first = await bot.advance("2026-11-23 08:31")
    assert 2 <= len([c for c in first if c.chat_id == 42]) <= 5  # 0 s, then ~5, ~10, ~20 s
    second = await bot.advance("2026-11-23 09:31")
    tries = len([c for c in second if c.chat_id == 42])
    assert 3 <= tries <= 12  # doubling waits of at most ten minutes: not every minute
    assert _pending(bot, "t12") == [] and bot.svc.scheduler.outbox.next_due() is not None


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


async def test_a_network_timeout_at_start_up_does_not_stop_the_bot(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.svc.scheduler.notify(
        {"user": zhang}, "交接提醒", key="net", due=bot.at("2026-11-23 09:00")
    )
    original = LocalRequest.do_request

    async def offline(
        self: LocalRequest, url: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            raise TimedOut()
        return await original(self, url, *args, **kwargs)

    monkeypatch.setattr(LocalRequest, "do_request", offline)
    bot.clock.set(bot.at("2026-11-23 10:00"))
    await bot.restart()  # Telegram times out while the overdue reminder goes out
    monkeypatch.setattr(LocalRequest, "do_request", original)
    sent = _with(await bot.advance("2026-11-23 10:05"), "交接提醒")
    # A timeout cannot tell whether Telegram showed it, so the one resend says so.
    assert [(c.chat_id, c.text) for c in sent] == [(zhang, f"【补发】交接提醒{UNCONFIRMED}")]


async def test_the_local_api_refuses_an_edit_that_changes_nothing(bot: Harness) -> None:
    markup = {"inline_keyboard": [[{"text": "确认", "callback_data": "x:ok:1"}]]}
    chat = bot.settings.team_chat
    status, body = bot.api.handle(
        "sendMessage", {"chat_id": chat, "text": "交接单 #1", "reply_markup": markup}
    )
    assert status == 200
    edit = {"chat_id": chat, "message_id": body["result"]["message_id"]}
    status, body = bot.api.handle(
        "editMessageText", {**edit, "text": "交接单 #1", "reply_markup": markup}
    )
    assert status == 400 and "message is not modified" in body["description"]
    assert bot.api.handle("editMessageText", {**edit, "text": "交接单 #1"})[0] == 200
    assert bot.api.handle("editMessageReplyMarkup", edit)[0] == 400  # no buttons left to drop


async def test_the_local_api_refuses_a_button_answer_longer_than_200(bot: Harness) -> None:
    long = {"callback_query_id": "1", "text": "提" * 201}
    assert bot.api.handle("answerCallbackQuery", long)[0] == 400
    assert bot.api.handle("answerCallbackQuery", {**long, "text": "提" * 200})[0] == 200


async def test_a_lead_alert_with_no_lead_or_admin_left_goes_to_the_team_chat(
    bot: Harness,
) -> None:
    for work_no in ("80", "90"):
        bot.svc.members.update(_uid(bot, work_no), removed=True)
    bot.svc.scheduler.notify({"leads": "day"}, "无人接收的组长提醒", key="orphan")
    sent = _with(await bot.advance("2026-11-23 08:31"), "无人接收的组长提醒")
    assert [c.chat_id for c in sent] == [bot.settings.team_chat]


async def test_a_private_message_refused_for_another_reason_does_not_mark_the_member(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = _uid(bot, "2")
    bot.api.started.add(li)
    bot.svc.members.update(li, can_dm=True)
    original = bot.api.handle

    def refuse_private(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and int(params["chat_id"]) == li:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: can't parse entities",
            }
        return original(method, params)

    monkeypatch.setattr(bot.api, "handle", refuse_private)
    bot.svc.scheduler.notify({"user": li}, "T9 交接单", key="odd")
    [message] = _with(await bot.advance("2026-11-23 08:31"), "T9")
    assert message.chat_id == bot.settings.team_chat
    assert bot.svc.members.by_work_no("2").can_dm is True
