"""The one way a message leaves for people: queued notifications and direct messages.

Queued notifications go out combined, one message per recipient. A member who never
started a private chat with the bot cannot be messaged privately (Telegram answers 403);
they are mentioned in the team chat instead and ``/team`` shows it. ``Delivery`` is also
the ``Messenger`` the services use for cards with buttons and edits.
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.domain.members import Member
from bot.domain.text import TELEGRAM_LIMIT, split_message
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Notification, OutboxRepo
from bot.services.messenger import Keyboard, Posted

log = logging.getLogger(__name__)


def mention(member: Member) -> str:
    """Return an HTML mention of a member that notifies them in a group."""
    return f'<a href="tg://user?id={member.user_id}">{html.escape(member.name)}</a>'


def unreachable(err: TelegramError) -> bool:
    """Whether a refusal says the person cannot be messaged privately (never started, blocked).

    Another refusal (a message Telegram rejects) is not their doing and must not mark them.
    """
    return isinstance(err, Forbidden) or "chat not found" in str(err).lower()


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """Return Telegram's inline keyboard for a service's rows of buttons."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


class Delivery:
    """Sends notifications and messages through the bot, falling back to the team chat."""

    def __init__(
        self, settings: Settings, members: MemberRepo, outbox: OutboxRepo, clock: Clock
    ) -> None:
        self.settings = settings
        self.members = members
        self.outbox = outbox
        self.clock = clock
        self._bot: Bot | None = None

    def connect(self, bot: Bot) -> None:
        """Give delivery the application's bot (it exists only once the application is built)."""
        self._bot = bot

    @property
    def bot(self) -> Bot:
        """Return the bot; sending before ``connect`` is a wiring mistake."""
        if self._bot is None:
            raise RuntimeError("Delivery.connect(bot) was not called")
        return self._bot

    async def __call__(self, items: list[tuple[Notification, bool]]) -> None:
        """Deliver due notifications, combined per destination, and mark them sent."""
        private: dict[int, list[tuple[Notification, bool]]] = defaultdict(list)
        chats: dict[int, list[tuple[Notification, bool]]] = defaultdict(list)
        for note, late in items:
            for kind, target in self._targets(note.recipient):
                (private if kind == "user" else chats)[target].append((note, late))
        mentions: dict[int, list[tuple[Notification, bool]]] = defaultdict(list)
        for user_id, notes in private.items():
            member = self.members.get(user_id)
            if member is None:
                self._mark([n.key for n, _ in notes], "dropped: not a member")
                continue
            if member.can_dm is not False and await self._send_private(member, notes):
                self._mark([n.key for n, _ in notes], f"user:{user_id}")
                continue
            mentions[user_id] = notes
        for chat_id, notes in chats.items():
            await self._send(chat_id, _body(notes), [n.key for n, _ in notes], f"chat:{chat_id}")
        if mentions:
            await self._send_mentions(mentions)

    def _targets(self, recipient: dict[str, Any]) -> list[tuple[str, int]]:
        if "user" in recipient:
            return [("user", int(recipient["user"]))]
        if "chat" in recipient:
            return [("chat", int(recipient["chat"]))]
        if "team" in recipient:
            return [("chat", self.settings.team_chat)]
        if "leads" in recipient:
            if self.settings.leads_chat is not None:
                return [("chat", self.settings.leads_chat)]
            leads = [("user", m.user_id) for m in self.members.leads(recipient["leads"])]
            # No lead and no admin registered: the team chat rather than nobody, forever.
            return leads or [("chat", self.settings.team_chat)]
        raise ValueError(f"unknown recipient {recipient!r}")

    async def _send_private(self, member: Member, notes: list[tuple[Notification, bool]]) -> bool:
        try:
            for chunk in split_message(_body(notes)):
                await self.bot.send_message(member.user_id, chunk, parse_mode=ParseMode.HTML)
        except (Forbidden, BadRequest) as err:
            self._note_refusal(member, err)
            return False
        self._note_reachable(member)
        return True

    def _note_refusal(self, member: Member, err: TelegramError) -> None:
        log.info(
            "cannot message %s privately (%s); mentioning in the team chat", member.user_id, err
        )
        if unreachable(err):
            self.members.update(member.user_id, can_dm=False)

    def _note_reachable(self, member: Member) -> None:
        if member.can_dm is not True:
            self.members.update(member.user_id, can_dm=True)

    async def to_member(
        self,
        member: Member,
        text: str,
        keyboard: Keyboard | None = None,
        group_text: str | None = None,
    ) -> Posted | None:
        """Message a member privately, else mention them in the team chat with ``group_text``."""
        if member.can_dm is not False:
            try:
                sent = await self.bot.send_message(
                    member.user_id, text, reply_markup=markup(keyboard)
                )
            except (Forbidden, BadRequest) as err:
                self._note_refusal(member, err)
            else:
                self._note_reachable(member)
                return Posted(sent.chat_id, sent.message_id)
        body = html.escape(group_text if group_text is not None else text)
        return await self._post(
            self.settings.team_chat,
            f"{mention(member)}（未开启私聊，请先私聊机器人发送 /start）\n{body}",
            keyboard,
            ParseMode.HTML,
        )

    async def to_chat(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None
    ) -> Posted | None:
        """Send to a chat; return None (logged) when Telegram refuses."""
        return await self._post(chat_id, text, keyboard, None)

    async def _post(
        self, chat_id: int, text: str, keyboard: Keyboard | None, parse_mode: str | None
    ) -> Posted | None:
        try:
            sent = await self.bot.send_message(
                chat_id, text, reply_markup=markup(keyboard), parse_mode=parse_mode
            )
        except TelegramError as err:
            log.error("could not send to chat %s: %s", chat_id, err)
            return None
        return Posted(sent.chat_id, sent.message_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> bool:
        """Edit a message the bot sent; return whether it changed."""
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup(keyboard)
            )
        except BadRequest as err:
            if "not modified" not in str(err).lower():
                log.info("could not edit %s/%s: %s", chat_id, message_id, err)
            return False
        except TelegramError as err:
            log.info("could not edit %s/%s: %s", chat_id, message_id, err)
            return False
        return True

    async def _send_mentions(self, mentions: dict[int, list[tuple[Notification, bool]]]) -> None:
        parts = []
        keys = []
        for user_id, notes in mentions.items():
            member = self.members.get(user_id)
            if member is None:
                continue
            parts.append(
                f"{mention(member)}（未开启私聊，请先私聊机器人发送 /start）\n{_body(notes)}"
            )
            keys.extend(n.key for n, _ in notes)
        if parts:
            chat = self.settings.team_chat
            await self._send(chat, "\n\n".join(parts), keys, f"mention:{chat}")

    async def _send(self, chat_id: int, body: str, keys: list[str], label: str) -> None:
        """Send to a chat; a chat Telegram refuses is logged and not retried forever."""
        try:
            for chunk in split_message(body):
                await self.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
        except (Forbidden, BadRequest) as err:
            log.error("chat %s refused %d notifications: %s", chat_id, len(keys), err)
            self._mark(keys, f"failed:{label}:{err}")
            return
        self._mark(keys, label)

    def _mark(self, keys: list[str], delivered_to: str) -> None:
        self.outbox.mark_sent(keys, self.clock.now(), delivered_to)


DIGEST_LINE = 90  # characters kept of each reminder in a digest


def _body(notes: list[tuple[Notification, bool]]) -> str:
    lines = []
    for note, late in notes:
        text = html.escape(note.text)
        lines.append(f"【补发】{text}" if late else text)
    if len(lines) == 1:
        return lines[0]
    full = f"🔔 共 {len(lines)} 条提醒\n\n" + "\n\n".join(lines)
    return full if len(full) <= TELEGRAM_LIMIT else _digest(notes)


def _digest(notes: list[tuple[Notification, bool]]) -> str:
    """Squeeze a burst of reminders into one message: one short line each, then a count.

    Telegram lets a group take about 20 messages a minute; a burst split into many
    messages would arrive over minutes, so what does not fit is counted, not sent.
    """
    head = f"🔔 共 {len(notes)} 条提醒（条数较多，以下为摘要；发送 /mine 或 /overdue 查看全部）"
    lines = [head]
    size = len(head)
    budget = TELEGRAM_LIMIT - 60
    for shown, (note, late) in enumerate(notes):
        first = note.text.split("\n", 1)[0]
        if len(first) > DIGEST_LINE:
            first = first[: DIGEST_LINE - 1] + "…"
        line = html.escape(f"【补发】{first}" if late else first)
        if size + len(line) + 1 > budget:
            lines.append(f"……另有 {len(notes) - shown} 条")
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)
