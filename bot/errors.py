"""The error handler: log with traceback, apologise with a code, tell the admins, go on."""

from __future__ import annotations

import logging
import secrets
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.domain.members import Role
from bot.domain.text import mask_phones
from bot.handlers.context import BotContext

log = logging.getLogger("bot.errors")


def error_code() -> str:
    """Return a short code that ties the user's apology to the log line."""
    return "E" + secrets.token_hex(3).upper()


async def on_error(update: object, context: BotContext) -> None:
    """Handle an exception raised while processing an update or a job."""
    code = error_code()
    error = context.error
    if error is None:
        return
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
    summary = mask_phones(f"错误 {code}：{type(error).__name__}: {error}")[:1000]
    for admin in context.svc.members.with_role(Role.ADMIN):
        if admin.can_dm is False:
            continue
        try:
            await context.bot.send_message(admin.user_id, summary)
        except TelegramError:
            log.warning("could not tell admin %s about %s", admin.user_id, code)


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
