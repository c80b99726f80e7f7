"""The bot started as a user starts it, talking HTTP to a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.persistence.store import Store
from bot.persistence.timers import Notification, OutboxRepo
from bot.transport.local import Sent
from bot.transport.updates import Person
from tests.e2e.conftest import TEAM_CHAT, BotProcess, make_bot, texts_to
from tests.e2e.fake_telegram import TOKEN, FakeTelegram
from tests.harness import example_raw

MEMBERS = {str(m["work_no"]): m for m in example_raw()["members"]}
ADMIN = Person(int(MEMBERS["90"]["user_id"]), "周主管")
LEAD = Person(int(MEMBERS["80"]["user_id"]), "李组长")
AGENT = Person(int(MEMBERS["1"]["user_id"]), "张三")
STRANGER = Person(777001, "路人甲")
OTHER_GROUP = -100555


def _reply_to(fake: FakeTelegram, chat_id: int, since: int, contains: str = "") -> Sent:
    return fake.wait_for(
        lambda c: c.method == "sendMessage" and c.chat_id == chat_id and contains in c.text,
        since=since,
    )


def test_start_up_gets_me_sets_the_menus_and_polls(
    fake: FakeTelegram, running: BotProcess
) -> None:
    assert fake.tokens == {TOKEN}
    methods = [c.method for c in fake.calls()]
    assert methods[0] == "getMe"
    assert "getUpdates" in methods
    menus = fake.calls("setMyCommands")
    scopes = [json.dumps(c.params.get("scope"), sort_keys=True) for c in menus]
    assert any('"type": "default"' in s for s in scopes)
    assert any(f'"chat_id": {TEAM_CHAT}' in s and '"type": "chat"' in s for s in scopes)
    admin_menu = next(
        c
        for c in menus
        if (c.params.get("scope") or {}).get("type") == "chat"
        and (c.params["scope"]).get("chat_id") == ADMIN.user_id
    )
    names = [command["command"] for command in admin_menu.params["commands"]]
    assert "role" in names and "help" in names
    default = next(c for c in menus if (c.params.get("scope") or {}).get("type") == "default")
    assert "role" not in [command["command"] for command in default.params["commands"]]
    assert (running.data / "backups").is_dir()  # the start-up backup was written


def test_help_in_the_team_group(fake: FakeTelegram, running: BotProcess) -> None:
    since = fake.mark()
    fake.send(ADMIN, TEAM_CHAT, "/help")
    reply = _reply_to(fake, TEAM_CHAT, since)
    assert "周主管（主管）可用的命令" in reply.text
    assert "/role <工号> agent|lead|admin" in reply.text


def test_help_addressed_to_the_bot_by_name(fake: FakeTelegram, running: BotProcess) -> None:
    since = fake.mark()
    fake.send(AGENT, TEAM_CHAT, "/help@kefu_duty_bot")
    reply = _reply_to(fake, TEAM_CHAT, since)
    assert "张三" in reply.text and "/role" not in reply.text


def test_join_approved_by_a_lead_pressing_the_button(
    fake: FakeTelegram, running: BotProcess
) -> None:
    newcomer = Person(777002, "王小明")
    since = fake.mark()
    fake.send(newcomer, TEAM_CHAT, "/join 7 王小明")
    ask = _reply_to(fake, TEAM_CHAT, since, "申请加入团队")
    assert [b["text"] for b in ask.buttons] == ["批准", "拒绝"]
    since = fake.mark()
    fake.press(LEAD, ask, "批准")
    welcome = fake.wait_for(lambda c: c.method == "editMessageText", since=since)
    assert "欢迎 7号客服 王小明 加入团队（李组长 批准）" in welcome.text
    assert any(c.method == "answerCallbackQuery" for c in fake.calls()[since:])
    since = fake.mark()
    fake.send(newcomer, TEAM_CHAT, "/help")  # now a member: answered like one
    assert "王小明" in _reply_to(fake, TEAM_CHAT, since).text


def test_a_stranger_is_refused_once_in_private_and_ignored_in_the_group(
    fake: FakeTelegram, running: BotProcess
) -> None:
    since = fake.mark()
    fake.send(STRANGER, STRANGER.user_id, "/help")
    fake.send(STRANGER, STRANGER.user_id, "/team")
    in_group = {fake.send(STRANGER, TEAM_CHAT, "/team"), fake.send(STRANGER, TEAM_CHAT, "在吗")}
    fake.send(ADMIN, TEAM_CHAT, "/help")  # updates run in order: its answer comes last
    _reply_to(fake, TEAM_CHAT, since, "周主管")
    calls = fake.calls()[since:]
    refusals = texts_to(calls, STRANGER.user_id)
    assert len(refusals) == 1 and "只为本店客服团队服务" in refusals[0]
    answered = [
        c
        for c in calls
        if c.chat_id == TEAM_CHAT
        and (c.params.get("reply_parameters") or {}).get("message_id") in in_group
    ]
    assert answered == []
    assert not any("只为本店" in t for t in texts_to(calls, TEAM_CHAT))


def test_the_bot_leaves_a_group_it_was_not_configured_for(
    fake: FakeTelegram, running: BotProcess
) -> None:
    since = fake.mark()
    fake.send(ADMIN, OTHER_GROUP, "/help")
    leave = fake.wait_for(lambda c: c.method == "leaveChat", since=since)
    assert int(leave.params["chat_id"]) == OTHER_GROUP
    assert texts_to(fake.calls()[since:], OTHER_GROUP) == []


def _queue(data: Path, user_id: int, key: str, text: str, in_seconds: float) -> None:
    """Write a reminder into the stopped bot's data folder, as a feature would."""
    store = Store(data)
    OutboxRepo(store).put(
        Notification(
            key=key,
            due=SystemClock().now() + timedelta(seconds=in_seconds),
            recipient={"user": user_id},
            text=text,
        )
    )
    store.close()


def test_a_reminder_due_while_stopped_is_sent_once_after_restart(tmp_path: Path) -> None:
    fake = FakeTelegram(TEAM_CHAT).start()  # its own server: the module's bot must not answer
    bot = make_bot(fake, tmp_path)
    try:
        bot.start()
        assert bot.stop() == 0
        _queue(bot.data, AGENT.user_id, "e2e:overdue", "09:00 交接单还有 2 项未处理", -3600)
        fake.api.started.add(AGENT.user_id)
        since = fake.mark()
        bot.start()
        late = _reply_to(fake, AGENT.user_id, since, "交接单")
        assert late.text == "【补发】09:00 交接单还有 2 项未处理"
        assert bot.stop() == 0
        since = fake.mark()
        bot.start()
        fake.send(ADMIN, TEAM_CHAT, "/help")
        _reply_to(fake, TEAM_CHAT, since, "周主管")
        assert texts_to(fake.calls()[since:], AGENT.user_id) == []
        assert bot.stop() == 0
        assert sum("交接单" in t for t in texts_to(fake.calls(), AGENT.user_id)) == 1
    finally:
        bot.stop()
        fake.close()


def test_a_killed_bot_restarts_with_its_data_intact(tmp_path: Path) -> None:
    fake = FakeTelegram(TEAM_CHAT).start()
    bot = make_bot(fake, tmp_path)
    newcomer = Person(777003, "赵小丽")
    try:
        bot.start()
        since = fake.mark()
        fake.send(newcomer, TEAM_CHAT, "/join 8 赵小丽")
        ask = _reply_to(fake, TEAM_CHAT, since, "申请加入团队")
        since = fake.mark()
        fake.press(LEAD, ask, "批准")
        fake.wait_for(lambda c: c.method == "editMessageText", since=since)
        bot.kill()
        bot.start()  # no 数据文件无法解析: every live file was whole when the process died
        since = fake.mark()
        fake.send(newcomer, TEAM_CHAT, "/help")
        assert "8号客服 赵小丽" in _reply_to(fake, TEAM_CHAT, since).text
        assert bot.stop() == 0
    finally:
        bot.stop()
        fake.close()
