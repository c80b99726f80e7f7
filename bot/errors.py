"""The error handler: log with traceback, apologise with a code, tell the admins, go on."""

from __future__ import annotations

import logging
import secrets
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.domain.members import Role
from bot.services import BotContext

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
    log.error("error %s while handling %r\n%s", code, update, trace)
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
    summary = f"错误 {code}：{type(error).__name__}: {error}"[:1000]
    for admin in context.svc.members.with_role(Role.ADMIN):
        if admin.can_dm is False:
            continue
        try:
            await context.bot.send_message(admin.user_id, summary)
        except TelegramError:
            log.warning("could not tell admin %s about %s", admin.user_id, code)
