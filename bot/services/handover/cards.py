"""The items' posts in the team chat: one per item per shift, refreshed, retired when reposted.

At a shift's login (or a rollover into a shift already at work) the items go out as one list
message under a heading, with a row of buttons per item; an item written after the login
gets a card of its own. Each item remembers its live message, the heading and the items
that message lists, so any change re-renders the whole message.

A post is recorded before and after it is handed to Telegram (``posting_for``, then the
message): an item still marked as being posted at the next start may or may not have been
shown, so it is posted again with the outbox's 可能重复 mark.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.domain import handover_text as fmt
from bot.domain.handover import Item
from bot.domain.text import unconfirmed
from bot.persistence.handover import HandoverRepo
from bot.services.messenger import Button, Keyboard, Messenger


def buttons(items: list[Item], numbered: bool | None = None) -> Keyboard | None:
    """Return 已接收/已处理 buttons: one row per open item, numbered when several are listed."""
    numbered = len(items) > 1 if numbered is None else numbered
    rows = []
    for item in items:
        if item.done:
            continue
        row = []
        if not item.acked:
            text = f"接收 #{item.id}" if numbered else "已接收"
            row.append(Button(text, f"handover:ack:{item.id}"))
        text = f"处理 #{item.id}" if numbered else "已处理"
        row.append(Button(text, f"handover:done:{item.id}"))
        rows.append(row)
    return rows or None


class Cards:
    """Posts items in the team chat and keeps every message showing its items' state."""

    def __init__(self, settings: Settings, repo: HandoverRepo, messenger: Messenger) -> None:
        self.settings = settings
        self.repo = repo
        self.messenger = messenger

    async def post(
        self,
        key: str,
        items: list[Item],
        header: str | None,
        now: datetime,
        maybe_shown: bool = False,
    ) -> None:
        """Post items for shift ``key``: a list under ``header``, else a card each.

        ``maybe_shown``: an earlier try may have shown them; the posts say so.
        """
        ordered = sorted(items, key=lambda i: (not i.urgent, i.id))
        unmarked = [i.id for i in ordered if i.posting_for != key]
        if unmarked:
            self.repo.mark_posting(unmarked, key, now)
        tz, shifts = self.settings.timezone, self.settings.shifts
        if header is None:
            parts = [("", [item]) for item in ordered]
        else:
            parts = fmt.post_parts(header, key, ordered, tz, shifts)
        for heading, part in parts:
            text = fmt.post(heading, [(i, True) for i in part], tz, shifts)
            message = await self.messenger.to_chat(
                self.settings.team_chat,
                unconfirmed(text) if maybe_shown else text,
                buttons(part, numbered=bool(heading)),
            )
            if message is None:
                continue  # still marked as being posted: the next start posts it again
            numbers = [i.id for i in part]
            # Re-read: a button may have been pressed meanwhile, and the old messages are
            # known only from the stored items.
            before = [i for n in numbers if (i := self.repo.get(n)) is not None]
            self.repo.mark_posted(
                numbers, key, [message.chat_id, message.message_id], heading, numbers
            )
            await self._retire(before)

    async def _retire(self, items: list[Item]) -> None:
        """Re-render the earlier messages of items just posted again: they point to the new one.

        Only the newest message stays live: editing every card ever posted at each rollover
        grew without bound (an item open for a month had dozens) and flooded the group.
        """
        done: set[tuple[int, int]] = set()
        for item in items:
            for chat_id, message_id in item.cards:
                if (chat_id, message_id) not in done:
                    done.add((chat_id, message_id))
                    await self._render(chat_id, message_id, item)

    async def refresh(self, item: Item) -> None:
        """Show an item's new state in the message it is live in (the whole message)."""
        await self.refresh_all([item])

    async def refresh_all(self, items: list[Item]) -> None:
        """Show the new state of items, re-rendering each message they are in once."""
        done: set[tuple[int, int]] = set()
        for item in items:
            for chat_id, message_id in item.cards:
                if (chat_id, message_id) not in done:
                    done.add((chat_id, message_id))
                    await self._render(chat_id, message_id, item, {i.id: i for i in items})

    async def _render(
        self, chat_id: int, message_id: int, item: Item, known: dict[int, Item] | None = None
    ) -> None:
        """Edit one message to show every item it lists as it is now.

        ``item`` is one of them and carries the message's heading and list; ``known`` holds
        items already at hand (the others are read, closed ones from the archive).
        """
        known = known or {}
        shown = []
        for number in item.card_ids or [item.id]:
            found = known.get(number) or self.repo.get(number) or self.repo.find_closed(number)
            if found is not None:
                shown.append((found, found.cards[-1:] == [[chat_id, message_id]]))
        tz, shifts = self.settings.timezone, self.settings.shifts
        await self.messenger.edit(
            chat_id,
            message_id,
            fmt.post(item.card_header, shown, tz, shifts),
            buttons([i for i, live in shown if live], numbered=bool(item.card_header)),
        )
