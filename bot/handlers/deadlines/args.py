"""The steps every deadlines command shares: count the arguments, run the use case, reply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import Update

from bot.domain.deadline_item import DeadlineItem
from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member
from bot.handlers.common import args_of, reply, require_member
from bot.handlers.context import BotContext
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import Lookup

# (service, member, arguments, now) -> the reply
UseCase = Callable[[DeadlineService, Member, list[str], datetime], str]
Confirm = Callable[[DeadlineService, DeadlineItem, bool], str]  # (service, item, late)


async def run(
    update: Update,
    context: BotContext,
    usage: str,
    use: UseCase,
    least: int = 0,
    most: int | None = None,
) -> None:
    """Reply the usage unless there are ``least``…``most`` arguments, else the use case's text.

    A refusal is replied as it is; any other user error with the usage line under it.
    """
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) < least or (most is not None and len(args) > most):
        await reply(update, usage)
        return
    svc = context.svc
    try:
        text = use(svc.deadlines, member, args, svc.clock.now())
    except Refusal as err:
        text = str(err)
    except UserError as err:
        text = f"{err}\n{usage}"
    await reply(update, text)


async def close_command(
    update: Update,
    context: BotContext,
    usage: str,
    lookup: Lookup,
    status: str,
    confirm: Confirm,
    most: int | None = None,
) -> None:
    """Close the item the first argument names as ``status`` and reply ``confirm``'s text.

    Words after the reference (/lost 张女士 买了别家) stay on the archived item as its note.
    """

    def close(ds: DeadlineService, member: Member, args: list[str], now: datetime) -> str:
        closed = ds.close(lookup, args[0], status, member, " ".join(args[1:]), now)
        return confirm(ds, closed.item, closed.late)

    await run(update, context, usage, close, least=1, most=most)
