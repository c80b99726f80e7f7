"""The steps every deadlines command shares: count the arguments, run the use case, reply."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Update

from bot.domain.deadline_item import DeadlineItem
from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member
from bot.handlers.common import Callback, args_of, reply, require_member
from bot.handlers.context import BotContext
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import Lookup

# (service, member, arguments, now) -> the reply (awaited when the use case sends messages)
UseCase = Callable[[DeadlineService, Member, list[str], datetime], str | Awaitable[str]]
Confirm = Callable[[DeadlineService, DeadlineItem, bool], str]  # (service, item, late)
# A service method taking the first word (order, customer) and what follows it.
WithWords = Callable[[DeadlineService, Member, str, list[str], datetime], str]
WithText = Callable[[DeadlineService, Member, str, str, datetime], str | Awaitable[str]]


def command(usage: str, use: UseCase, least: int = 0, most: int | None = None) -> Callback:
    """Return a handler that replies the usage unless there are ``least``…``most`` arguments,
    else what ``use`` returns: a refusal as it is, any other user error with the usage under it.
    """

    async def handle(update: Update, context: BotContext) -> None:
        member = require_member(update, context)
        args = args_of(update.effective_message)
        if len(args) < least or (most is not None and len(args) > most):
            await reply(update, usage)
            return
        svc = context.svc
        try:
            result = use(svc.deadlines, member, args, svc.clock.now())
            text = await result if inspect.isawaitable(result) else result
        except Refusal as err:
            text = str(err)
        except UserError as err:
            text = f"{err}\n{usage}"
        await reply(update, text)

    return handle


def closing(
    usage: str, lookup: Lookup, status: str, confirm: Confirm, most: int | None = None
) -> Callback:
    """Return a handler closing the item its first argument names and replying ``confirm``.

    Words after the reference (/lost 张女士 买了别家) stay on the archived item as its note.
    """

    def close(ds: DeadlineService, member: Member, args: list[str], now: datetime) -> str:
        closed = ds.close(lookup, args[0], status, member, " ".join(args[1:]), now)
        return confirm(ds, closed.item, closed.late)

    return command(usage, close, least=1, most=most)


def ref_and_words(method: WithWords) -> UseCase:
    """Return a use case calling ``method`` with the first word and the words after it."""
    return lambda ds, member, args, now: method(ds, member, args[0], args[1:], now)


def ref_and_text(method: WithText) -> UseCase:
    """Return a use case calling ``method`` with the first word and the text after it."""
    return lambda ds, member, args, now: method(ds, member, args[0], " ".join(args[1:]), now)
