"""The one way out: what a service may ask of the messenger that talks to Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.members import Member


@dataclass(frozen=True)
class Button:
    """An inline button: its label and its callback data (prefixed by feature)."""

    text: str
    data: str


Keyboard = list[list[Button]]


@dataclass(frozen=True)
class Posted:
    """Where a message landed, so it can be edited later."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Answer:
    """What a pressed button answers: a note (a dialog when ``alert``), and the card's new text."""

    answer: str
    card: str | None = None  # None: leave the card as it is
    alert: bool = False  # refused or found nothing: shown as a dialog the presser must close


class Messenger(Protocol):
    """Sends and edits messages; implemented by ``bot.delivery.Delivery``."""

    async def to_member(
        self,
        member: Member,
        text: str,
        keyboard: Keyboard | None = None,
        group_text: str | None = None,
    ) -> Posted | None:
        """Message a member privately, else mention them in the team chat with ``group_text``."""
        ...

    async def to_chat(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None
    ) -> Posted | None:
        """Send to a chat; return None (logged) when Telegram refuses."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> bool:
        """Edit a message the bot sent; return whether it changed."""
        ...
