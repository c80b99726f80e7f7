"""List commands: /mine (my items), /due (today or tomorrow), /overdue (by owner, leads)."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import Callback, args_of, reply, require_member
from bot.handlers.context import BotContext
from bot.handlers.deadlines.args import command

DUE_USAGE = "用法：/due [today|tomorrow]（或 今天/明天）"
OVERDUE_USAGE = "用法：/overdue [工号]（不加工号列出全部，加工号只列此人的）"
_DAYS = {"today": 0, "今天": 0, "tomorrow": 1, "明天": 1}


async def mine(update: Update, context: BotContext) -> None:
    """List my open items, soonest first, overdue ones marked."""
    member = require_member(update, context)
    await reply(update, context.svc.deadlines.mine(member, context.svc.clock.now()))


async def due(update: Update, context: BotContext) -> None:
    """List every open item due today (or tomorrow), soonest first."""
    args = args_of(update.effective_message)
    if len(args) > 1 or (args and args[0].lower() not in _DAYS):
        await reply(update, DUE_USAGE)
        return
    days_ahead = _DAYS[args[0].lower()] if args else 0
    await reply(update, context.svc.deadlines.due_on(days_ahead, context.svc.clock.now()))


# Everything overdue by owner, or one member's overdue items (leads).
overdue = command(
    OVERDUE_USAGE,
    lambda ds, member, args, now: ds.overdue(now, *args),
    most=1,
)

HANDLERS: dict[str, Callback] = {"mine": mine, "due": due, "overdue": overdue}
