"""Commands on any open item by its number: /done closes it, /reassign hands it over."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain.members import Role, parse_work_no
from bot.handlers.common import Callback, reply
from bot.handlers.context import BotContext
from bot.handlers.deadline_alerts import notify_owner
from bot.handlers.deadline_args import (
    Lookup,
    by_number,
    by_number_or_ref,
    close_command,
    item_command,
)
from bot.services.deadlines import DeadlineService, who

DONE_USAGE = "用法：/done <编号|工单号>，例如 /done 12 或 /done JD20261127"
REASSIGN_USAGE = "用法：/reassign <编号> <工号>，例如 /reassign 12 3"
_ANY = Lookup(by_number_or_ref, "没有找到待办 {ref}（发送 /mine 查看编号）。")
_NUMBERED = Lookup(by_number, "没有编号为 {ref} 的待办（发送 /mine 查看编号）。")


async def done(update: Update, context: BotContext) -> None:
    """Close an item by number or by ticket / order number."""
    await close_command(update, context, DONE_USAGE, _ANY, "done", _done_text, most=1)


def _done_text(ds: DeadlineService, item: dict[str, Any], late: bool) -> str:
    """Return the confirmation of a finished item, on time or late."""
    return f"✅ 已完成：{ds.describe(item)}（{'超时完成' if late else '按时完成'}）。"


async def reassign(update: Update, context: BotContext) -> None:
    """Hand an item to another member (a lead, or the owner)."""
    cmd = await item_command(update, context, REASSIGN_USAGE, _NUMBERED, least=2, most=2)
    if cmd is None:
        return
    ds, item, member = cmd.ds, cmd.item, cmd.member
    if member.role < Role.LEAD and item["owner"] != member.user_id:
        await reply(update, "只有组长或该待办的负责人可以转交。")
        return
    try:
        work_no = parse_work_no(cmd.args[1])
    except ValueError as err:
        await reply(update, f"{err}\n{REASSIGN_USAGE}")
        return
    target = context.svc.members.by_work_no(work_no)
    if target is None or target.removed:
        await reply(update, f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        return
    if target.user_id == item["owner"]:
        await reply(update, f"{ds.describe(item)} 的负责人已经是 {who(target)}。")
        return
    previous = ds.owner_of(item)
    ds.items.update(item["id"], owner=target.user_id)
    notify_owner(
        ds,
        {**item, "owner": target.user_id},
        context.svc.clock.now(),
        f"📌 {member.name} 把 {ds.describe(item)} 转交给 {who(target)}，"
        f"应于 {ds.due_of(item)} 完成。",
        "reassign",
        extra=str(target.user_id),
    )
    await reply(update, f"已把 {ds.describe(item)} 从 {previous} 转交给 {who(target)}。")


HANDLERS: dict[str, Callback] = {"done": done, "reassign": reassign}
