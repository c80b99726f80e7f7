"""Helpers every feature's handlers share: command specs, arguments, replies."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.members import Member, Role
from bot.domain.text import split_message
from bot.handlers.context import BotContext
from bot.services.messenger import Answer

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Awaitable[None]]


@dataclass(frozen=True)
class CommandSpec:
    """One command: who may use it, where, and how it reads in /help and the menu."""

    name: str  # Latin, as Telegram's menu requires
    usage: str  # e.g. "/join <工号> <姓名>"
    description: str  # one Chinese line for the menu and /help
    min_role: Role | None = Role.AGENT  # None: open to people who are not members yet
    where: str = "any"  # "any", "group" (team chat) or "private"
    aliases: tuple[str, ...] = ()  # e.g. ("交接",): typed as /交接
    menu: bool = True  # shown in Telegram's command menu
    # subcommand word -> the role it needs beyond min_role, e.g. {"undo": Role.LEAD}
    subcommands: dict[str, Role] = field(default_factory=dict)

    @property
    def triggers(self) -> tuple[str, ...]:
        """Return every word that starts this command."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ButtonSpec:
    """One kind of inline button: the callback data it carries and who may press it."""

    pattern: str  # regex over the callback data, prefixed by feature: r"^handover:(ack|done):\d+$"
    min_role: Role = Role.AGENT
    refusal: str = "需要更高权限才能操作。"

    def matches(self, data: str) -> bool:
        """Whether a button's callback data is of this kind."""
        return re.match(self.pattern, data) is not None


@dataclass(frozen=True)
class UploadSpec:
    """A file members send to the bot (e.g. a .j2 script template): who may, and where."""

    extension: str  # without the dot
    min_role: Role
    where: str  # "any", "group" or "private"
    refusal: str  # to a member whose role is too low
    place_refusal: str  # to anyone sending it in the wrong kind of chat


_COMMAND = re.compile(r"^/([^\s@]+)(?:@\S+)?")


def command_word(message: Message | None) -> str | None:
    """Return the command a message starts with (text or caption), without ``/`` and ``@bot``."""
    if message is None:
        return None
    text = message.text or message.caption or ""
    match = _COMMAND.match(text)
    return match.group(1).lower() if match else None


def rest_text(message: Message) -> str:
    """Return the text after the command word, newlines kept."""
    text = message.text or message.caption or ""
    match = _COMMAND.match(text)
    return text[match.end() :].strip() if match else text.strip()


def args_of(message: Message) -> list[str]:
    """Return the whitespace-separated arguments after the command word."""
    return rest_text(message).split()


def add_button(app: Application, spec: ButtonSpec, callback: Callback, group: int = 0) -> None:
    """Register the handler of one kind of button, by the pattern the access gate checks."""
    app.add_handler(CallbackQueryHandler(callback, pattern=spec.pattern), group=group)


def add_command(app: Application, spec: CommandSpec, callback: Callback, group: int = 0) -> None:
    """Register a command under its Latin name and its Chinese aliases."""
    handlers: list[BaseHandler] = [CommandHandler(spec.name, callback)]
    for alias in spec.aliases:
        pattern = rf"^/{re.escape(alias)}(?:@\S+)?(?:\s|$)"
        handlers.append(MessageHandler(filters.Regex(pattern), callback))
    for handler in handlers:
        app.add_handler(handler, group=group)


async def reply(update: Update, text: str, **kwargs: object) -> bool:
    """Reply in the same chat, split under Telegram's limit; return whether it went out.

    Replies come after the work is stored and its consequences queued, so a reply Telegram
    fails is logged and the work stands: the user never gets an apology for work that was done.
    """
    message = update.effective_message
    if message is None:
        return False
    for chunk in split_message(text):
        try:
            await message.reply_text(chunk, **kwargs)  # type: ignore[arg-type]
        except TelegramError as err:
            log.warning("a reply in chat %s could not be sent: %s", message.chat_id, err)
            return False
    return True


async def answer_query(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press; a failed answer is logged (the press's work is already done)."""
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as err:
        log.warning("a button answer could not be sent: %s", err)


async def edit_query(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit the message whose button was pressed; log (not raise) when Telegram refuses."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            log.info("could not edit the pressed message: %s", err)
        return False
    except TelegramError as err:
        log.warning("could not edit the pressed message: %s", err)
        return False
    return True


async def show_answer(query: CallbackQuery, answered: Answer) -> None:
    """Answer a button press and show the card's new text when it has one."""
    await answer_query(query, answered.answer, answered.alert)
    if answered.card is not None:
        await edit_query(query, answered.card)


def member_of(update: Update, context: BotContext) -> Member | None:
    """Return the member behind an update (None for a stranger)."""
    user = update.effective_user
    return context.svc.members.get(user.id) if user else None


def require_member(update: Update, context: BotContext) -> Member:
    """Return the member behind an update; the access layer guarantees there is one."""
    member = member_of(update, context)
    if member is None:
        raise PermissionError("access layer let a stranger through")
    return member


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    chat = update.effective_chat
    return chat is not None and chat.type == "private"
