"""Follow-up commands: /prospect opens a customer's visits, /visit /replied /bought /lost."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain.followup import parse_class
from bot.domain.text import mask_phones
from bot.domain.times import iso, parse_iso
from bot.handlers.common import Callback, reply
from bot.handlers.context import BotContext
from bot.handlers.deadline_args import (
    Confirm,
    Lookup,
    close_command,
    command,
    finder,
    item_command,
)
from bot.services.deadlines import FOLLOWUP, DeadlineService

PROSPECT_USAGE = "用法：/prospect <客户> <顾虑> [A|B|C]，例如 /prospect 张女士 担心床垫太硬 B"
VISIT_USAGE = "用法：/visit <客户> [说明]，例如 /visit 张女士 发了活动链接"
REPLIED_USAGE = "用法：/replied <客户>，例如 /replied 张女士"
BOUGHT_USAGE = "用法：/bought <客户>，例如 /bought 张女士"
LOST_USAGE = "用法：/lost <客户> [原因]，例如 /lost 张女士 买了别家"

_FOLLOWED = Lookup(finder(FOLLOWUP), "没有正在跟进的客户 {ref}。")
_PROSPECT_FIRST = Lookup(finder(FOLLOWUP), "没有正在跟进的客户 {ref}（先用 /prospect 登记）。")


async def prospect(update: Update, context: BotContext) -> None:
    """Open the follow-up of a customer who asked but did not buy."""
    cmd = await command(update, context, PROSPECT_USAGE, least=2)
    if cmd is None:
        return
    ds = cmd.ds
    customer, rest = cmd.args[0][:40], cmd.args[1:]
    cls = "A"
    if len(rest) > 1:
        try:
            cls = parse_class(rest[-1])
            rest = rest[:-1]
        except ValueError:
            pass
    concern = " ".join(rest)[:200]
    if ds.items.find(FOLLOWUP, customer) is not None:
        await reply(update, f"客户 {customer} 已在跟进中，发送 /visit {customer} 记录回访。")
        return
    now = context.svc.clock.now()
    item = ds.new_item(
        FOLLOWUP,
        customer,
        cmd.member,
        now,
        rule="followup",
        cls=cls,
        concern=concern,
        cycle_start=context.svc.today().isoformat(),
        visit=1,
        visits=[],
        paused=cls == "C",
        review="pending" if cls in ("B", "C") else None,
    )
    ds.schedule_visit(item, now)
    ds.store(item)
    if cls == "C":
        text = (
            f"已登记 C 类客户 {mask_phones(customer)}（#{item['id']}，顾虑：{concern}）。"
            f"组长今天 {ds.conf.review_at:%H:%M} 复核：确认“无需跟进”即结束，否则进入回访。"
        )
    else:
        text = (
            f"已登记跟进：{ds.describe(item)}，顾虑：{concern}。\n"
            f"第 1 次回访 {ds.fmt(parse_iso(item['opens']))} 提醒，{ds.due_of(item)} 前完成；"
            f"共 {ds.conf.cadence.visits} 次，客户回复则重新开始。"
        )
        if cls == "B":
            text += "\nB 类客户组长会抽查复核。"
    await reply(update, text)


async def visit(update: Update, context: BotContext) -> None:
    """Record a visit; after the last one with no reply the follow-up closes itself."""
    cmd = await item_command(update, context, VISIT_USAGE, _PROSPECT_FIRST)
    if cmd is None:
        return
    ds, item = cmd.ds, cmd.item
    if item.get("paused"):
        await reply(update, f"客户 {cmd.args[0]} 是 C 类，等待组长复核后再回访。")
        return
    now = context.svc.clock.now()
    number = item["visit"]
    note = " ".join(cmd.args[1:])[:200]
    visits = [
        *item["visits"],
        {"n": number, "at": iso(now), "by": cmd.member.user_id, "note": note},
    ]
    customer = mask_phones(item["ref"])
    if number >= ds.conf.cadence.visits:
        ds.close(item, "no_reply", cmd.member, visits=visits)
        await reply(
            update,
            f"已记录第 {number} 次回访：客户 {customer}。"
            f"连续 {number} 次回访无回复，跟进结束（#{item['id']}）。",
        )
        return
    ds.reschedule(item, now, visits=visits, visit=number + 1)
    await reply(
        update,
        f"已记录第 {number} 次回访：客户 {customer}{'（' + note + '）' if note else ''}。"
        f"第 {item['visit']} 次回访 {ds.fmt(parse_iso(item['opens']))} 提醒，"
        f"{ds.due_of(item)} 前完成。",
    )


async def replied(update: Update, context: BotContext) -> None:
    """The customer answered: the cadence starts over from today."""
    cmd = await item_command(update, context, REPLIED_USAGE, _FOLLOWED, most=1)
    if cmd is None:
        return
    item = cmd.item
    cmd.ds.restart_cycle(item, context.svc.clock.now(), replies=item.get("replies", 0) + 1)
    await reply(
        update,
        f"客户 {mask_phones(item['ref'])} 有回复，回访周期重新开始："
        f"第 1 次回访 {cmd.ds.fmt(parse_iso(item['opens']))} 提醒。"
        f"成交后发送 /bought {item['ref']}。",
    )


def _ended(word: str) -> Confirm:
    """Return the confirmation of a follow-up that ended as ``word`` (已成交, 已流失)."""

    def text(_ds: DeadlineService, item: dict[str, Any], _late: bool) -> str:
        return (
            f"客户 {mask_phones(item['ref'])} {word}，"
            f"跟进结束（#{item['id']}，回访 {len(item['visits'])} 次）。"
        )

    return text


async def bought(update: Update, context: BotContext) -> None:
    """Close a follow-up: the customer bought."""
    await close_command(update, context, BOUGHT_USAGE, _FOLLOWED, "bought", _ended("已成交 🎉"))


async def lost(update: Update, context: BotContext) -> None:
    """Close a follow-up: the customer is lost."""
    await close_command(update, context, LOST_USAGE, _FOLLOWED, "lost", _ended("已流失"))


HANDLERS: dict[str, Callback] = {
    "prospect": prospect,
    "visit": visit,
    "replied": replied,
    "bought": bought,
    "lost": lost,
}
