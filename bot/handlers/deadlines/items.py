"""Commands on any open item by its number: /done closes it, /reassign hands it over."""

from __future__ import annotations

from telegram import Update

from bot.domain.deadline_item import DeadlineItem
from bot.handlers.common import Callback
from bot.handlers.context import BotContext
from bot.handlers.deadlines.args import close_command, run
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import ANY

DONE_USAGE = "用法：/done <编号|工单号>，例如 /done 12 或 /done JD20261127"
REASSIGN_USAGE = "用法：/reassign <编号> <工号>，例如 /reassign 12 3"


async def done(update: Update, context: BotContext) -> None:
    """Close an item by number or by ticket / order number."""
    await close_command(update, context, DONE_USAGE, ANY, "done", _done_text, most=1)


def _done_text(ds: DeadlineService, item: DeadlineItem, late: bool) -> str:
    """Return the confirmation of a finished item, on time or late."""
    return f"✅ 已完成：{ds.wording.describe(item)}（{'超时完成' if late else '按时完成'}）。"


async def reassign(update: Update, context: BotContext) -> None:
    """Hand an item to another member (a lead, or the owner)."""
    await run(
        update,
        context,
        REASSIGN_USAGE,
        lambda ds, member, args, now: ds.reassign(member, args[0], args[1], now),
        least=2,
        most=2,
    )


HANDLERS: dict[str, Callback] = {"done": done, "reassign": reassign}
