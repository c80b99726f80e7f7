"""Shared first steps of the deadlines commands: read the arguments, find the item, check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.handlers.common import args_of, reply, require_member
from bot.handlers.context import BotContext
from bot.services.container import Services
from bot.services.deadlines import SHIPPED, TICKET, DeadlineService

log = logging.getLogger(__name__)


Finder = Callable[[DeadlineService, str], dict[str, Any] | None]
Confirm = Callable[[DeadlineService, dict[str, Any], bool], str]  # (service, item, late)


@dataclass
class Command:
    """A deadlines command that passed its first checks: who sent it, with what."""

    ds: DeadlineService
    member: Member
    args: list[str]


@dataclass
class ItemCommand(Command):
    """A command about one open item, found from its first argument."""

    item: dict[str, Any]


@dataclass(frozen=True)
class Lookup:
    """How a command finds its item from its first argument, and what it says if it cannot."""

    find: Finder
    missing: str  # ``{ref}`` stands for the user's word


async def command(
    update: Update, context: BotContext, usage: str, least: int, most: int | None = None
) -> Command | None:
    """Return the command with ``least``…``most`` arguments, else reply its usage (None)."""
    ds = context.svc.deadlines
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) < least or (most is not None and len(args) > most):
        await reply(update, usage)
        return None
    return Command(ds, member, args)


async def item_command(
    update: Update,
    context: BotContext,
    usage: str,
    lookup: Lookup,
    least: int = 1,
    most: int | None = None,
) -> ItemCommand | None:
    """Return the command and the item its first argument names, else reply why (None)."""
    cmd = await command(update, context, usage, least, most)
    if cmd is None:
        return None
    item = lookup.find(cmd.ds, cmd.args[0])
    if item is None:
        await reply(update, lookup.missing.format(ref=cmd.args[0]) + f"\n{usage}")
        return None
    return ItemCommand(cmd.ds, cmd.member, cmd.args, item)


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

    Words after the reference (/lost 张女士 买了别家) stay on the archived item as its
    ``close_note``.
    """
    cmd = await item_command(update, context, usage, lookup, most=most)
    if cmd is None:
        return
    note = {"close_note": " ".join(cmd.args[1:])[:200]} if len(cmd.args) > 1 else {}
    late = cmd.ds.close(cmd.item, status, cmd.member, **note)
    await reply(update, confirm(cmd.ds, cmd.item, late))


def finder(kind: str) -> Finder:
    """Return a finder of the open item of ``kind`` with a reference (order, customer)."""
    return lambda ds, ref: ds.items.find(kind, ref)


def by_number(ds: DeadlineService, text: str) -> dict[str, Any] | None:
    """Return the open item numbered ``12`` or ``#12``."""
    cleaned = text.removeprefix("#")
    return ds.items.get(int(cleaned)) if cleaned.isdigit() else None


def by_number_or_ref(ds: DeadlineService, text: str) -> dict[str, Any] | None:
    """Return the ticket or shipping check with this reference, else the item so numbered."""
    for item in ds.items.find_ref(text):
        if item["type"] in (TICKET, SHIPPED):
            return item
    return by_number(ds, text)


def order_no(svc: Services, text: str) -> str:
    """Return an order number checked by the orders feature's rules."""
    try:
        return str(svc.orders.validate_order_no(text))
    except UserError:
        raise
    except ValueError as err:
        raise UserError(str(err)) from None


def detect_platform(svc: Services, order: str) -> str | None:
    """Return the platform an order number belongs to, when the orders feature can tell."""
    try:
        return svc.orders.detect_platform(order)
    except Exception as err:  # detection is a convenience; the order still gets chased
        log.warning("platform detection failed for %s: %s", order, err)
        return None
