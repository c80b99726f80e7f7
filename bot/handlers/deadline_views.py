"""List commands: /mine (my items), /due (today or tomorrow), /overdue (by owner, leads)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update

from bot.domain.deadlines import is_overdue
from bot.domain.times import iso, parse_iso
from bot.handlers.common import Callback, reply, require_member
from bot.handlers.context import BotContext
from bot.handlers.deadline_args import command
from bot.services.deadlines import who

DUE_USAGE = "用法：/due [today|tomorrow]（或 今天/明天）"
_DAYS = {"today": 0, "今天": 0, "tomorrow": 1, "明天": 1}


async def mine(update: Update, context: BotContext) -> None:
    """List my open items, soonest first, overdue ones marked."""
    ds = context.svc.deadlines
    member = require_member(update, context)
    now = context.svc.clock.now()
    items = sorted(
        (i for i in ds.items.iter() if i["owner"] == member.user_id), key=lambda i: i["due"]
    )
    if not items:
        await reply(update, f"{member.name}，您目前没有待办。")
        return
    limit = iso(now)  # stored moments are UTC ISO strings: comparing them is comparing times
    late = sum(1 for i in items if not i.get("paused") and i["due"] < limit)
    head = (
        f"{member.name} 的待办 {len(items)} 项" + (f"（⚠️ {late} 项已超时）" if late else "") + "："
    )
    await reply(update, "\n".join([head, *ds.listing(items, now)]))


async def due(update: Update, context: BotContext) -> None:
    """List every open item due today (or tomorrow), soonest first."""
    cmd = await command(update, context, DUE_USAGE, least=0, most=1)
    if cmd is None:
        return
    if cmd.args and cmd.args[0].lower() not in _DAYS:
        await reply(update, DUE_USAGE)
        return
    ds = cmd.ds
    offset = _DAYS[cmd.args[0].lower()] if cmd.args else 0
    day = context.svc.today() + timedelta(days=offset)
    tz = context.svc.settings.timezone
    items = sorted(
        (i for i in ds.items.iter() if parse_iso(i["due"]).astimezone(tz).date() == day),
        key=lambda i: i["due"],
    )
    label = "今天" if offset == 0 else "明天"
    if not items:
        await reply(update, f"{label}（{day:%m-%d}）没有到期的待办。")
        return
    lines = [f"{label}（{day:%m-%d}）到期的待办 {len(items)} 项："]
    lines.extend(ds.listing(items, context.svc.clock.now(), with_owner=True))
    await reply(update, "\n".join(lines))


async def overdue(update: Update, context: BotContext) -> None:
    """List everything overdue, by owner (leads)."""
    ds = context.svc.deadlines
    now = context.svc.clock.now()
    late = [
        i for i in ds.items.iter() if not i.get("paused") and is_overdue(parse_iso(i["due"]), now)
    ]
    if not late:
        await reply(update, "✅ 目前没有超时的待办。")
        return
    by_owner: dict[int, list[dict[str, Any]]] = {}
    for item in sorted(late, key=lambda i: i["due"]):
        by_owner.setdefault(item["owner"], []).append(item)
    lines = [f"超时待办共 {len(late)} 项："]
    for owner_id, items in sorted(by_owner.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"\n【{who(context.svc.members.get(owner_id))}】{len(items)} 项")
        lines.extend(ds.listing(items, now))
    await reply(update, "\n".join(lines))


HANDLERS: dict[str, Callback] = {"mine": mine, "due": due, "overdue": overdue}
