"""The one place that decides who may do what: runs before every other handler (group -1).

It reads one table: commands (with their subcommands), button kinds and uploads, each with
the minimum role and the chat kind. Ownership rules that need data (the author of an item,
the receiving shift) belong to each feature's service. Whatever a refusal call to Telegram
does, a refused update stops here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.domain.members import Member
from bot.handlers.common import ButtonSpec, CommandSpec, UploadSpec, command_word, rest_text
from bot.handlers.context import BotContext

log = logging.getLogger(__name__)

STRANGER_PRIVATE = (
    "您好，这个机器人只为本店客服团队服务。"
    "如果您是新同事，请在团队群里发送 /join <工号> <姓名> 申请加入。"
)
STRANGER_BUTTON = "仅限团队成员操作。"
STALE_BUTTON = "这个按钮已失效，请重新发送命令。"
TELEGRAM_SERVICE_USER = 777000  # posts a linked channel's messages into its discussion group
_ADDRESSED = re.compile(r"^/[^\s@]+@(\S+)")


@dataclass(frozen=True)
class AccessTable:
    """Every command, button kind and upload with the role and chat kind it needs."""

    commands: dict[str, CommandSpec]
    buttons: tuple[ButtonSpec, ...]
    uploads: tuple[UploadSpec, ...]

    def button(self, data: str) -> ButtonSpec | None:
        """Return the kind of a button from its callback data (None: no handler takes it)."""
        return next((b for b in self.buttons if b.matches(data)), None)

    def upload(self, message: Message) -> UploadSpec | None:
        """Return the upload kind of a document message, if it is one."""
        name = (message.document.file_name or "") if message.document else ""
        return next((u for u in self.uploads if name.lower().endswith("." + u.extension)), None)


def register(app: Application, table: AccessTable) -> None:
    """Install the access check in front of every handler."""
    app.bot_data["commands"] = table.commands
    app.bot_data["access"] = table
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
    if not await _allowed(update, context):
        raise ApplicationHandlerStop


async def _allowed(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    user = update.effective_user
    if chat is not None and chat.type != "private" and chat.id not in _team_chats(context):
        await _leave(chat.id, context)
        return False
    if user is None or user.is_bot or user.id == TELEGRAM_SERVICE_USER:
        return False
    member = context.svc.members.get(user.id)
    table: AccessTable = context.bot_data["access"]
    if update.inline_query is not None:
        if member is None:
            await _quietly(update.inline_query.answer([], cache_time=0, is_personal=True))
            return False
        return True
    if update.callback_query is not None:
        return await _button_allowed(update, table, member)
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return False  # edits, chat-member updates, channel posts: ignored
    if message.forward_origin is not None:
        return False  # a forwarded message is somebody else's words, never a command
    if _addressed_elsewhere(message, context):
        return False
    private = chat is not None and chat.type == "private"
    word = command_word(message)
    spec = table.commands.get(word) if word else None
    if member is None:
        if spec is not None and spec.min_role is None and not _wrong_place(spec.where, private):
            return True
        if private:
            await _refuse_once(update, context, user.id)
        return False
    problem = _refusal(spec, message, member, private) if spec else None
    upload = table.upload(message) if message.document else None
    if problem is None and upload is not None and spec is None:
        problem = _upload_refusal(upload, member, private)
    if problem:
        await _quietly(message.reply_text(problem))
        return False
    return True


async def _button_allowed(update: Update, table: AccessTable, member: Member | None) -> bool:
    query = update.callback_query
    if member is None:
        await _quietly(query.answer(STRANGER_BUTTON, show_alert=True))
        return False
    spec = table.button(query.data or "")
    if spec is None:
        await _quietly(query.answer(STALE_BUTTON, show_alert=True))
        return False
    if member.role < spec.min_role:
        await _quietly(query.answer(spec.refusal, show_alert=True))
        return False
    return True


def _refusal(spec: CommandSpec, message: Message, member: Member, private: bool) -> str | None:
    if spec.min_role is not None and member.role < spec.min_role:
        return f"需要{spec.min_role.label}权限才能使用 /{spec.name}。"
    if _wrong_place(spec.where, private):
        where = "请在团队群里使用" if private else "请私聊机器人使用"
        return f"/{spec.name} {where}。"
    words = rest_text(message).split()
    needed = spec.subcommands.get(words[0].lower()) if words else None
    if needed is not None and member.role < needed:
        return f"需要{needed.label}权限才能使用 /{spec.name} {words[0]}。"
    return None


def _upload_refusal(upload: UploadSpec, member: Member, private: bool) -> str | None:
    if _wrong_place(upload.where, private):
        return upload.place_refusal
    if member.role < upload.min_role:
        return upload.refusal
    return None


def _wrong_place(where: str, private: bool) -> bool:
    return (where == "group" and private) or (where == "private" and not private)


def _addressed_elsewhere(message: Message, context: BotContext) -> bool:
    """Whether a command is addressed to another bot (``/交接@otherbot``)."""
    match = _ADDRESSED.match(message.text or message.caption or "")
    if match is None:
        return False
    own = (context.bot.username or "").lower()
    return match.group(1).lower() != own


async def _quietly(call: Awaitable[object]) -> None:
    """Await a refusal; if Telegram fails it, the update is still stopped."""
    try:
        await call
    except TelegramError as err:
        log.warning("a refusal could not be sent: %s", err)


async def _refuse_once(update: Update, context: BotContext, user_id: int) -> None:
    refused: set[int] = context.bot_data["refused"]
    if user_id in refused or update.effective_message is None:
        return
    refused.add(user_id)
    await _quietly(update.effective_message.reply_text(STRANGER_PRIVATE))


async def _leave(chat_id: int, context: BotContext) -> None:
    left: set[int] = context.bot_data["left_chats"]
    if chat_id in left:
        return
    log.warning("leaving chat %s: it is not a configured team chat", chat_id)
    try:
        await context.bot.leave_chat(chat_id)
    except TelegramError as err:
        log.warning(
            "could not leave chat %s (will try again on its next update): %s", chat_id, err
        )
        return
    left.add(chat_id)  # only a leave that worked is remembered, so a failed one is retried
