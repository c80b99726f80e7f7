"""The one place that decides who may do what: runs before every other handler (group -1)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.domain.members import Role
from bot.handlers.common import CommandSpec, command_word
from bot.handlers.context import BotContext

log = logging.getLogger(__name__)

STRANGER_PRIVATE = (
    "您好，这个机器人只为本店客服团队服务。"
    "如果您是新同事，请在团队群里发送 /join <工号> <姓名> 申请加入。"
)
STRANGER_BUTTON = "仅限团队成员操作。"


def register(app: Application, commands: dict[str, CommandSpec]) -> None:
    """Install the access check in front of every handler."""
    app.bot_data["commands"] = commands
    app.bot_data["refused"] = set()
    app.bot_data["left_chats"] = set()
    app.add_handler(TypeHandler(Update, check_access), group=-1)


def _team_chats(context: BotContext) -> set[int]:
    settings = context.svc.settings
    chats = set(settings.team_chats)
    if settings.leads_chat is not None:
        chats.add(settings.leads_chat)
    return chats


async def check_access(update: Update, context: BotContext) -> None:
    """Let an update through, or answer (at most) one short refusal and stop it."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None and chat.type != "private" and chat.id not in _team_chats(context):
        await _leave(chat.id, context)
        raise ApplicationHandlerStop
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    member = context.svc.members.get(user.id)
    if update.inline_query is not None:
        if member is None:
            await update.inline_query.answer([], cache_time=0, is_personal=True)
            raise ApplicationHandlerStop
        return
    if update.callback_query is not None:
        if member is None:
            await update.callback_query.answer(STRANGER_BUTTON, show_alert=True)
            raise ApplicationHandlerStop
        return
    message = update.effective_message
    if message is None or update.edited_message is not None:
        raise ApplicationHandlerStop  # edits, chat-member updates, channel posts: ignored
    word = command_word(message)
    spec = context.bot_data["commands"].get(word) if word else None
    private = chat is not None and chat.type == "private"
    if member is None:
        if spec is not None and spec.min_role is None and not _wrong_place(spec, private):
            return
        if private:
            await _refuse_once(update, context, user.id)
        raise ApplicationHandlerStop
    if word is None or spec is None:
        return  # plain messages and photos go on to the feature handlers
    problem = _refusal(spec, member.role, private)
    if problem:
        await message.reply_text(problem)
        raise ApplicationHandlerStop


def _refusal(spec: CommandSpec, role: Role, private: bool) -> str | None:
    if spec.min_role is not None and role < spec.min_role:
        return f"需要{spec.min_role.label}权限才能使用 /{spec.name}。"
    if _wrong_place(spec, private):
        where = "请在团队群里使用" if private else "请私聊机器人使用"
        return f"/{spec.name} {where}。"
    return None


def _wrong_place(spec: CommandSpec, private: bool) -> bool:
    return (spec.where == "group" and private) or (spec.where == "private" and not private)


async def _refuse_once(update: Update, context: BotContext, user_id: int) -> None:
    refused: set[int] = context.bot_data["refused"]
    if user_id in refused or update.effective_message is None:
        return
    refused.add(user_id)
    await update.effective_message.reply_text(STRANGER_PRIVATE)


async def _leave(chat_id: int, context: BotContext) -> None:
    left: set[int] = context.bot_data["left_chats"]
    if chat_id in left:
        return
    left.add(chat_id)
    log.warning("leaving chat %s: it is not a configured team chat", chat_id)
    try:
        await context.bot.leave_chat(chat_id)
    except TelegramError as err:
        log.warning("could not leave chat %s: %s", chat_id, err)
