"""Dunning commands: /unpaid opens the chase of an unpaid order, /dunned logs, /paid ends."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from bot.domain.deadline_input import looks_like_time, parse_moment
from bot.domain.errors import UserError
from bot.domain.times import iso
from bot.handlers.common import Callback, reply
from bot.handlers.context import BotContext
from bot.handlers.deadline_args import (
    Lookup,
    close_command,
    command,
    detect_platform,
    finder,
    item_command,
    order_no,
)
from bot.services.deadlines import DUNNING, DeadlineService

log = logging.getLogger(__name__)

UNPAID_USAGE = "用法：/unpaid <订单号> [平台] [下单时间]，例如 /unpaid 3391827740 天猫 昨天 21:10"
DUNNED_USAGE = "用法：/dunned <订单号> <结果>，例如 /dunned 3391827740 电话未接，已旺旺留言"
PAID_USAGE = "用法：/paid <订单号>，例如 /paid 3391827740"

_DUNNED = Lookup(finder(DUNNING), "没有正在催付的订单 {ref}。")
_UNPAID_FIRST = Lookup(finder(DUNNING), "没有正在催付的订单 {ref}（先用 /unpaid 登记）。")


async def unpaid(update: Update, context: BotContext) -> None:
    """Open a dunning item for an order placed but not paid."""
    cmd = await command(update, context, UNPAID_USAGE, least=1)
    if cmd is None:
        return
    ds, svc = cmd.ds, context.svc
    try:
        order = order_no(svc, cmd.args[0])
        rest = cmd.args[1:]
        platform = None
        if rest and not looks_like_time(rest):
            platform = ds.platform_word(rest[0])
            if platform is None:
                names = "、".join(p.name for p in svc.settings.platforms)
                raise UserError(f"不认识的平台“{rest[0]}”，可选：{names}。")
            rest = rest[1:]
        placed = svc.clock.now()
        if rest:
            moment, used = parse_moment(rest, svc.local_now())
            if used != len(rest):
                raise UserError(f"多余的内容“{' '.join(rest[used:])}”。")
            placed = moment
        if platform is None:
            platform = detect_platform(svc, order)
        if ds.items.find(DUNNING, order) is not None:
            raise UserError(f"订单 {order} 已在催付中，发送 /mine 查看。")
    except UserError as err:
        await reply(update, f"{err}\n{UNPAID_USAGE}")
        return
    item = ds.open_item(
        DUNNING, ds.conf.dunning_rule, order, cmd.member, placed, platform, attempts=[]
    )
    script = ds.render_script("dunning/opening", {"customer": "亲"}, cmd.member)
    await reply(
        update, ds.opened_text(item, "催付") + (f"\n催付话术：\n{script}" if script else "")
    )


async def dunned(update: Update, context: BotContext) -> None:
    """Record one dunning attempt (result, agent, time), also on the order's remark history."""
    cmd = await item_command(update, context, DUNNED_USAGE, _UNPAID_FIRST, least=2)
    if cmd is None:
        return
    item, member = cmd.item, cmd.member
    result = " ".join(cmd.args[1:])[:200]
    now = context.svc.clock.now()
    attempts = [
        *item.get("attempts", []),
        {"at": iso(now), "by": member.user_id, "result": result},
    ]
    cmd.ds.items.update(item["id"], attempts=attempts)
    remark = ""
    try:
        context.svc.orders.record_dunning(
            item["ref"], result, member, now, platform=item.get("platform")
        )
        remark = "，已写入订单备注记录"
    except Exception as err:  # the attempt is recorded here either way
        log.warning("remark history not updated for %s: %s", item["ref"], err)
        remark = "（订单备注记录未能写入，请手动备注）"
    local = context.svc.local(now)
    await reply(
        update,
        f"已记录第 {len(attempts)} 次催付：订单 {item['ref']} · {result} · "
        f"{member.name} {local:%m-%d %H:%M}{remark}。付款后发送 /paid {item['ref']}。",
    )


async def paid(update: Update, context: BotContext) -> None:
    """Close a dunning item: the order was paid."""
    await close_command(update, context, PAID_USAGE, _DUNNED, "paid", _paid_text, most=1)


def _paid_text(_ds: DeadlineService, item: dict[str, Any], late: bool) -> str:
    """Return the confirmation of a paid order, with how many times it was chased."""
    tail = "（超时后付款）" if late else "（按时完成）"
    return (
        f"✅ 订单 {item['ref']} 已付款，催付结束{tail}。"
        f"共催付 {len(item.get('attempts', []))} 次。"
    )


HANDLERS: dict[str, Callback] = {"unpaid": unpaid, "dunned": dunned, "paid": paid}
