"""Ticket commands: /ticket registers a platform ticket, /shipped a day-7 shipping check."""

from __future__ import annotations

from bot.handlers.common import Callback
from bot.handlers.deadlines.args import command

TICKET_USAGE = (
    "用法：/ticket <平台> <工单号> [收到时间] [说明]，例如 /ticket 京东 JD20261127 17:30 物流破损"
)
SHIPPED_USAGE = "用法：/shipped <订单号>，例如 /shipped 3391827740"

HANDLERS: dict[str, Callback] = {
    "ticket": command(
        TICKET_USAGE,
        lambda ds, member, args, now: ds.open_ticket(member, args[0], args[1], args[2:], now),
        least=2,
    ),
    "shipped": command(
        SHIPPED_USAGE,
        lambda ds, member, args, now: ds.open_shipped(member, args[0], now),
        least=1,
        most=1,
    ),
}
