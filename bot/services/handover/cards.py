"""The item cards in the team chat: posted with buttons, refreshed, and retired when reposted."""

from __future__ import annotations

from bot.config import Settings
from bot.domain import handover_text as fmt
from bot.domain.handover import Item
from bot.persistence.handover import HandoverRepo
from bot.services.messenger import Button, Keyboard, Messenger


def buttons(items: list[Item]) -> Keyboard | None:
    """Return 已接收/已处理 buttons: one row for a card, one row per item in a list."""
    rows = []
    single = len(items) == 1
    for item in items:
        if item.done:
            continue
        row = []
        if not item.acked:
            text = "已接收" if single else f"接收 #{item.id}"
            row.append(Button(text, f"handover:ack:{item.id}"))
        text = "已处理" if single else f"处理 #{item.id}"
        row.append(Button(text, f"handover:done:{item.id}"))
        rows.append(row)
    return rows or None


class Cards:
    """Posts items as cards in the team chat and keeps every card showing the item's state."""

    def __init__(self, settings: Settings, repo: HandoverRepo, messenger: Messenger) -> None:
        self.settings = settings
        self.repo = repo
        self.messenger = messenger

    async def post(self, key: str, items: list[Item], header: str | None) -> None:
        """Post items as cards with buttons in the team chat and remember the messages."""
        if header:
            await self.messenger.to_chat(self.settings.team_chat, header)
        tz = self.settings.timezone
        for item in sorted(items, key=lambda i: (not i.urgent, i.id)):
            message = await self.messenger.to_chat(
                self.settings.team_chat,
                fmt.card(item, tz, self.settings.shifts, mask=True),
                buttons([item]),
            )
            if message is None:
                continue
            fresh = self.repo.get(item.id)  # re-read: a button may have been pressed meanwhile
            if fresh is None:
                continue
            old_cards = fresh.cards
            # Only the newest card stays live: editing every card ever posted at each rollover
            # grew without bound (an item open for a month had dozens) and floods the group.
            fresh.cards = [[message.chat_id, message.message_id]]
            fresh.posted_for = key
            self.repo.save(fresh)
            await self._retire(fresh, old_cards)

    async def _retire(self, item: Item, cards: list[list[int]]) -> None:
        """Turn earlier cards of an item into a pointer to its newest one, without buttons."""
        text = fmt.retired_card(item, self.settings.timezone, self.settings.shifts)
        for chat_id, message_id in cards:
            await self.messenger.edit(chat_id, message_id, text)

    async def refresh(self, item: Item) -> None:
        """Show an item's new state on every card posted for it."""
        tz = self.settings.timezone
        for chat_id, message_id in item.cards:
            await self.messenger.edit(
                chat_id,
                message_id,
                fmt.card(item, tz, self.settings.shifts, mask=chat_id < 0),
                buttons([item]),
            )
