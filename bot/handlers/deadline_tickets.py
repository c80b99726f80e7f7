"""Ticket commands: /ticket registers a platform ticket, /shipped a day-7 shipping check."""

from __future__ import annotations

from telegram import Update

from bot.domain.deadline_input import looks_like_time, parse_moment
from bot.domain.errors import UserError
from bot.handlers.common import Callback, reply
from bot.handlers.context import BotContext
from bot.handlers.deadline_args import command, detect_platform, order_no
from bot.services.deadlines import SHIPPED, TICKET

TICKET_USAGE = (
    "用法：/ticket <平台> <工单号> [收到时间] [说明]，例如 /ticket 京东 JD20261127 17:30 物流破损"
)
SHIPPED_USAGE = "用法：/shipped <订单号>，例如 /shipped 3391827740"


async def ticket(update: Update, context: BotContext) -> None:
    """Open a platform ticket due by the platform's rule."""
    cmd = await command(update, context, TICKET_USAGE, least=2)
    if cmd is None:
        return
    ds, args = cmd.ds, cmd.args
    rule_name = ds.conf.tickets.get(args[0].casefold())
    if rule_name is None:
        words = "、".join(sorted({w for w in ds.conf.tickets if not w.isascii()}))
        await reply(update, f"不认识的工单类型“{args[0]}”，可选：{words}。\n{TICKET_USAGE}")
        return
    number = args[1][:60]
    rest = args[2:]
    received = context.svc.clock.now()
    try:
        if looks_like_time(rest):
            received, used = parse_moment(rest, context.svc.local_now())
            rest = rest[used:]
        if ds.items.find(TICKET, number) is not None:
            raise UserError(f"工单 {number} 已登记，发送 /mine 查看。")
    except UserError as err:
        await reply(update, f"{err}\n{TICKET_USAGE}")
        return
    platform = ds.platform_word(args[0])
    item = ds.open_item(
        TICKET, rule_name, number, cmd.member, received, platform, note=" ".join(rest)[:200]
    )
    local = context.svc.local(received)
    await reply(
        update,
        ds.opened_text(item, "工单")
        + f"\n收到时间 {local:%m-%d %H:%M}；处理完发送 /done {number}。",
    )


async def shipped(update: Update, context: BotContext) -> None:
    """Remember to check logistics and call the buyer on day 7 after shipping."""
    cmd = await command(update, context, SHIPPED_USAGE, least=1, most=1)
    if cmd is None:
        return
    ds = cmd.ds
    try:
        order = order_no(context.svc, cmd.args[0])
    except UserError as err:
        await reply(update, f"{err}\n{SHIPPED_USAGE}")
        return
    if ds.items.find(SHIPPED, order) is not None:
        await reply(update, f"订单 {order} 已登记发货回访。")
        return
    platform = detect_platform(context.svc, order)
    now = context.svc.clock.now()
    item = ds.open_item(SHIPPED, ds.conf.shipped_rule, order, cmd.member, now, platform)
    await reply(
        update,
        f"已登记发货：{ds.describe(item)}。{ds.due_of(item)} 提醒查物流、"
        "电话回访并邀请好评；完成后发送 /done " + order + "。",
    )


HANDLERS: dict[str, Callback] = {"ticket": ticket, "shipped": shipped}
