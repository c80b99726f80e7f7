"""A handler that raises: an apology with a code, admins told, the bot goes on."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import ButtonSpec
from bot.handlers.context import BotContext
from bot.logs import setup_logging
from bot.transport.local import Sent
from tests.harness import Harness

CODE = re.compile(r"错误码 (E[0-9A-F]{6})")


async def _boom(update: Update, _context: BotContext) -> None:
    raise RuntimeError(f"订单表损坏 for {update.effective_user.id}")


async def _boom_text(update: Update, _context: BotContext) -> None:
    raise ValueError(f"无法解析：{update.effective_message.text}")


async def _boom_button(_update: Update, _context: BotContext) -> None:
    raise KeyError("handover:ack:17")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The demo application with two broken handlers added, as a feature bug would be."""
    async with Harness(tmp_path / "data") as harness:
        harness.app.add_handler(CommandHandler("boom", _boom))
        harness.app.add_handler(CommandHandler("boomtext", _boom_text))
        harness.app.add_handler(CallbackQueryHandler(_boom_button, pattern=r"^boom:"))
        table = harness.app.bot_data["access"]  # the gate answers buttons nobody handles
        harness.app.bot_data["access"] = replace(
            table, buttons=(*table.buttons, ButtonSpec("^boom:"))
        )
        yield harness


def _sent(calls: list[Sent]) -> list[Sent]:
    """Return the messages that went out (not the refused attempts)."""
    return [
        c
        for c in calls
        if c.method == "sendMessage" and not (isinstance(c.result, dict) and "error" in c.result)
    ]


def _admin(bot: Harness) -> int:
    member = bot.svc.members.by_work_no("90")
    assert member is not None
    return member.user_id


async def test_the_user_gets_an_apology_with_a_code_and_admins_get_the_code(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send("90", "/start", private=True)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        calls = await bot.send("1", "/boom")
    [apology] = [c for c in calls if c.chat_id == bot.settings.team_chat]
    match = CODE.search(apology.text)
    assert match and "抱歉" in apology.text
    assert apology.params.get("reply_parameters") or apology.params.get("reply_to_message_id")
    [to_admin] = [c for c in calls if c.chat_id == _admin(bot)]
    assert match.group(1) in to_admin.text
    assert "RuntimeError: 订单表损坏" in to_admin.text
    assert f"error {match.group(1)}" in caplog.text
    assert "Traceback" in caplog.text and "_boom" in caplog.text
    assert [type(e) for e in bot.errors] == [RuntimeError]


async def test_the_next_update_is_processed_normally(bot: Harness) -> None:
    await bot.send("1", "/boom")
    [text] = bot.texts(await bot.send("1", "/help"))
    assert "可用的命令" in text


async def test_each_failure_gets_its_own_code(bot: Harness) -> None:
    first = CODE.search(bot.texts(await bot.send("1", "/boom"))[0])
    second = CODE.search(bot.texts(await bot.send("2", "/boom"))[0])
    assert first and second and first.group(1) != second.group(1)


async def test_an_admin_who_never_started_does_not_stop_the_apology(bot: Harness) -> None:
    calls = await bot.send("1", "/boom")  # the admin's private message is refused (403)
    [apology] = _sent(calls)
    assert apology.chat_id == bot.settings.team_chat and CODE.search(apology.text)
    assert bot.texts(await bot.send("1", "/help"))


async def test_a_failing_button_answers_the_query_with_the_code(bot: Harness) -> None:
    await bot.send("90", "/start", private=True)
    person = bot.person("1")
    message = bot.api._send({"chat_id": bot.settings.team_chat, "text": "交接单 #17"})
    calls = await bot.process(bot.updates.press(person, message, "boom:17"))
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    code = CODE.search(answer.params["text"])
    assert code
    assert any(code.group(1) in c.text for c in calls if c.chat_id == _admin(bot))


async def test_the_error_goes_to_the_log_file_under_the_data_folder(bot: Harness) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        setup_logging(bot.data_dir, 14, console_mode=True)
        calls = await bot.send("1", "/boom")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved
    code = CODE.search(bot.texts(calls)[0])
    log_text = (bot.data_dir / "logs" / "bot.log").read_text(encoding="utf-8")
    assert code and f"error {code.group(1)}" in log_text and "RuntimeError" in log_text


async def test_customer_phone_numbers_stay_out_of_the_log_and_the_admin_message(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send("90", "/start", private=True)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        calls = await bot.send("1", "/boomtext 张女士 13812345678 上海市浦东新区")
    [to_admin] = [c for c in calls if c.chat_id == _admin(bot)]
    assert "138****5678" in to_admin.text and "13812345678" not in to_admin.text
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert "'/boomtext'" in caplog.text  # enough to find the command, not the customer's text


async def _polling_fails(bot: Harness, minutes: int) -> list[Sent]:
    """Let getUpdates fail with 502 at this many minutes from now; return what the bot sent."""
    bot.clock.set(bot.clock.now() + timedelta(minutes=minutes))
    since = len(bot.api.calls)
    await bot.app.process_error(None, NetworkError("Bad Gateway"))
    bot.errors.clear()  # the harness collects every error; these are expected
    return bot.api.calls[since:]


async def test_a_passing_network_error_is_logged_and_admins_hear_only_of_a_lasting_outage(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send("90", "/start", private=True)
    with caplog.at_level(logging.WARNING, logger="bot.errors"):
        for minutes in (0, 1, 1, 1, 1):  # a retry every minute, four minutes in all
            assert _sent(await _polling_fails(bot, minutes)) == []
    assert sum("Telegram unreachable" in r.getMessage() for r in caplog.records) == 5
    assert not any(r.exc_info for r in caplog.records)  # one line each, no traceback
    told = [c for c in await _polling_fails(bot, 2) if c.method == "sendMessage"]
    assert [c.chat_id for c in told] == [_admin(bot)]
    assert "持续失败约 6 分钟" in told[0].text
    assert _sent(await _polling_fails(bot, 1)) == []  # once per outage
    assert _sent(await _polling_fails(bot, 30)) == []  # after a quiet spell: a new outage


async def test_no_message_to_an_admin_carries_the_bot_token(bot: Harness) -> None:
    await bot.send("90", "/start", private=True)
    token = bot.app.bot.token

    async def leak(update: Update, _context: BotContext) -> None:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendMessage failed")

    bot.app.add_handler(CommandHandler("leak", leak))
    calls = await bot.send("1", "/leak")
    bot.errors.clear()
    to_admin = [c.text for c in calls if c.chat_id == _admin(bot)]
    assert to_admin and all(token not in t for t in to_admin)
