"""The one way a message leaves for people: queued notifications and direct messages.

Queued notifications go out combined, one message per recipient. A member who never
started a private chat with the bot cannot be messaged privately (Telegram answers 403);
they are mentioned in the team chat instead and ``/team`` shows it. ``Delivery`` is also
the ``Messenger`` the services use for cards with buttons and edits.
"""

from __future__ import annotations

import html
import logging
import random
import re
import warnings
from collections import defaultdict
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock
from bot.config import Settings
from bot.domain.members import Member, Role
from bot.domain.text import TELEGRAM_LIMIT, split_message, unconfirmed
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


class Outcome(Enum):
    """What became of one combined message."""

    SENT = "sent"
    WAITING = "waiting"  # Telegram or the network failed: queued again with a wait
    REFUSED = "refused"  # this chat will not take it (blocked, never started, bot removed)


BACKOFF_FIRST = 5.0  # seconds before the first retry of a failed send
BACKOFF_MAX = 600.0  # never wait longer than ten minutes between tries
_TAG = re.compile(r"<[^>]+>")


def plain_text(html_text: str) -> str:
    """Return what an HTML message says, as plain text (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", html_text))


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
        self,
        settings: Settings,
        members: MemberRepo,
        outbox: OutboxRepo,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.members = members
        self.outbox = outbox
        self.clock = clock
        self._bot: Bot | None = None
        self._failing = False  # the last try failed on the network: log without traceback
        self._refused_chats: set[int] = set()  # admins were told; cleared when it works again

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
        """Deliver due notifications, combined per destination, and mark them sent.

        Each destination is tried on its own: one that fails waits (back-off, or Telegram's
        retry_after) while the others go on.
        """
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
            if member.can_dm is not False:
                outcome, refusal = await self._deliver(
                    user_id, _body(notes), notes, f"user:{user_id}"
                )
                if outcome is Outcome.SENT:
                    self._note_reachable(member)
                if refusal is None:
                    continue
                self._note_refusal(member, refusal)
            mentions[user_id] = notes
        for chat_id, notes in chats.items():
            _, refusal = await self._deliver(chat_id, _body(notes), notes, f"chat:{chat_id}")
            if refusal is not None:
                await self._chat_refused(chat_id, notes, refusal)
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
        notes_all: list[tuple[Notification, bool]] = []
        for user_id, notes in mentions.items():
            member = self.members.get(user_id)
            if member is None:
                continue
            parts.append(
                f"{mention(member)}（未开启私聊，请先私聊机器人发送 /start）\n{_body(notes)}"
            )
            notes_all.extend(notes)
        if parts:
            chat = self.settings.team_chat
            body = "\n\n".join(parts)
            _, refusal = await self._deliver(chat, body, notes_all, f"mention:{chat}")
            if refusal is not None:
                await self._chat_refused(chat, notes_all, refusal)

    async def _deliver(
        self, chat_id: int, body: str, notes: list[tuple[Notification, bool]], label: str
    ) -> tuple[Outcome, TelegramError | None]:
        """Send one combined message; on failure put its notifications back with a wait.

        Return the outcome and, when the chat refused, Telegram's refusal.
        """
        keys = [n.key for n, _ in notes]
        now = self.clock.now()
        # Marked before sending: a crash between Telegram's answer and the mark below is
        # found at the next start (OutboxRepo.reconcile) instead of being lost.
        self.outbox.mark_sending(keys, now)
        attempts = max(n.attempts for n, _ in notes) + 1
        try:
            await self._send_html(chat_id, body)
        except RetryAfter as err:
            with warnings.catch_warnings():  # PTB 22 warns that the type becomes timedelta
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = _seconds(err.retry_after)
            log.warning("Telegram asks to wait %.0f s before sending to %s", wait, chat_id)
            self.outbox.defer(keys, now + timedelta(seconds=wait), attempts)
            return Outcome.WAITING, None
        except (Forbidden, BadRequest) as err:
            self.outbox.defer(keys, now + self._backoff(chat_id, attempts), attempts)
            log.warning("chat %s refused %d notifications: %s", chat_id, len(keys), err)
            return Outcome.REFUSED, err
        except TelegramError as err:
            # A timeout may come after Telegram showed the message: the retry says so.
            timed_out = isinstance(err, TimedOut)
            self.outbox.defer(keys, now + self._backoff(chat_id, attempts), attempts, timed_out)
            # One traceback per outage, then one line per failure.
            log.warning(
                "sending to %s failed (try %d, retrying later): %s",
                chat_id,
                attempts,
                err,
                exc_info=not self._failing,
            )
            self._failing = True
            return Outcome.WAITING, None
        self._failing = False
        self._refused_chats.discard(chat_id)
        self._mark(keys, label)
        return Outcome.SENT, None

    async def _send_html(self, chat_id: int, body: str) -> None:
        """Send HTML; text Telegram cannot parse goes again as plain text, never dropped."""
        for chunk in split_message(body):
            try:
                await self.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
            except BadRequest as err:
                if "parse entities" not in str(err).lower():
                    raise
                log.warning(
                    "Telegram could not parse a message to %s; sent as plain text", chat_id
                )
                await self.bot.send_message(chat_id, plain_text(chunk))

    async def _chat_refused(
        self, chat_id: int, notes: list[tuple[Notification, bool]], refusal: TelegramError
    ) -> None:
        """A group refused the bot: keep its notifications queued and tell the admins once."""
        if chat_id in self._refused_chats:
            return
        self._refused_chats.add(chat_id)
        text = (
            f"⚠️ 群 {chat_id} 拒绝了机器人的消息（{refusal}）：请检查机器人是否仍在群里、"
            f"是否有发言权限。{len(notes)} 条提醒已保留，恢复后自动补发。"
        )
        for admin in self.members.with_role(Role.ADMIN):
            if admin.can_dm is False:
                continue
            try:
                await self.bot.send_message(admin.user_id, text)
            except TelegramError as err:
                log.warning(
                    "could not tell admin %s that chat %s refused: %s", admin.user_id, chat_id, err
                )

    def _backoff(self, chat_id: int, attempts: int) -> timedelta:
        """Return the wait before try ``attempts + 1`` to a chat: doubling, capped, with jitter.

        The jitter is drawn from the chat and the try, so recipients that failed together
        are retried apart, and the same failure always waits the same (tests can rely on it).
        """
        base = BACKOFF_FIRST * 2 ** min(attempts - 1, 16)
        spread = random.Random(f"{chat_id}:{attempts}").uniform(0.5, 1.5)
        return timedelta(seconds=min(base * spread, BACKOFF_MAX))

    def _mark(self, keys: list[str], delivered_to: str) -> None:
        self.outbox.mark_sent(keys, self.clock.now(), delivered_to)


DIGEST_LINE = 90  # characters kept of each reminder in a digest


def _body(notes: list[tuple[Notification, bool]]) -> str:
    lines = []
    for note, late in notes:
        text = html.escape(note.text)
        text = f"【补发】{text}" if late else text
        lines.append(unconfirmed(text) if note.unconfirmed else text)
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
