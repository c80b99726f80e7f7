"""The error handler: log with traceback, apologise with a code, tell the admins, go on."""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.domain.members import Role
from bot.domain.text import mask_phones
from bot.handlers.context import BotContext
from bot.logs import MASK

log = logging.getLogger("bot.errors")


def error_code() -> str:
    """Return a short code that ties the user's apology to the log line."""
    return "E" + secrets.token_hex(3).upper()


OUTAGE_TOLD_AFTER = timedelta(minutes=5)  # admins hear of a network outage only this long
OUTAGE_GAP = timedelta(
    minutes=2
)  # a network error after this long without one starts a new outage


def _transient(update: object, error: BaseException) -> bool:
    """Whether an error is Telegram or the network failing outside any update (polling)."""
    return (
        update is None
        and isinstance(error, NetworkError | RetryAfter)
        and not isinstance(error, BadRequest)
    )


async def _network_trouble(error: BaseException, context: BotContext) -> None:
    """Log a polling error in one line; tell the admins once when the outage lasts."""
    now = context.svc.clock.now()
    outage: dict[str, Any] = context.bot_data.setdefault("outage", {})
    if not outage or now - outage["last"] > OUTAGE_GAP:
        outage.update(since=now, last=now, told=False, count=0)
    outage["last"] = now
    outage["count"] += 1
    log.warning("Telegram unreachable (%s: %s); retrying", type(error).__name__, error)
    if outage["told"] or now - outage["since"] < OUTAGE_TOLD_AFTER:
        return
    outage["told"] = True
    minutes = int((now - outage["since"]).total_seconds() // 60)
    await _tell_admins(
        context,
        f"⚠️ 机器人连接 Telegram 已持续失败约 {minutes} 分钟（{outage['count']} 次），"
        "正在自动重试；提醒会在恢复后补发。",
    )


async def on_error(update: object, context: BotContext) -> None:
    """Handle an exception raised while processing an update or a job."""
    error = context.error
    if error is None:
        return
    if _transient(update, error):
        await _network_trouble(error, context)
        return
    if isinstance(update, Update) and isinstance(error, TelegramError):
        # Telegram failed a reply or an edit; the work behind it is stored and its
        # consequences queued before any reply, so an apology would say it failed when
        # it did not. A refused request (BadRequest) may be a bug: admins hear of it.
        log.warning("Telegram failed a call while handling %s: %s", _describe(update), error)
        if isinstance(error, BadRequest):
            await _tell_admins(context, mask_phones(f"Telegram 拒绝了一次回复：{error}"))
        return
    code = error_code()
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    # Customer phone numbers must not end up in log files or admins' chats (DOMAIN.md).
    log.error("error %s while handling %s\n%s", code, _describe(update), mask_phones(trace))
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(f"抱歉，处理出错了（错误码 {code}）。")
            elif update.effective_message is not None:
                await update.effective_message.reply_text(
                    f"抱歉，处理时出错了（错误码 {code}），已通知管理员，请稍后再试。"
                )
        except TelegramError:
            log.warning("could not send the apology for %s", code)
    await _tell_admins(context, mask_phones(f"错误 {code}：{type(error).__name__}: {error}"))


async def _tell_admins(context: BotContext, text: str) -> None:
    """Message every admin who can be messaged privately; the bot token never goes out."""
    text = text.replace(context.bot.token, MASK)[:1000]
    for admin in context.svc.members.with_role(Role.ADMIN):
        if admin.can_dm is False:
            continue
        try:
            await context.bot.send_message(admin.user_id, text)
        except TelegramError:
            log.warning("could not tell admin %s", admin.user_id)


def _describe(update: object) -> str:
    """Return who and where an update came from, without its (customer) text."""
    if not isinstance(update, Update):
        return repr(update)[:200] if update is not None else "a job"
    chat = update.effective_chat
    user = update.effective_user
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    query = update.callback_query.data if update.callback_query is not None else None
    first = mask_phones(text.split(maxsplit=1)[0])[:40] if text.strip() else ""
    return (
        f"update {update.update_id} (chat {chat.id if chat else None}, "
        f"user {user.id if user else None}, starts {first!r}"
        + (f", button {query!r}" if query else "")
        + ")"
    )
