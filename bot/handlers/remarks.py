"""Order remarks (订单备注): /remark, /order, /remarks, /sales.

The use cases live in ``svc.orders`` (bot/services/orders.py), the texts in
bot/domain/remarks_text.py; here they are parsed and answered.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.domain import remarks_text
from bot.domain.errors import UserError
from bot.domain.members import Role
from bot.domain.orders import sales_period
from bot.handlers.common import (
    CommandSpec,
    add_command,
    is_private,
    reply,
    require_member,
    rest_text,
)
from bot.handlers.context import BotContext
from bot.services.container import Services

TITLE = "订单备注"
REMARK_USAGE = (
    "用法：/remark <订单号> [平台] [@工号] <内容>\n"
    "例如：/remark 3659284710562839471 发顺丰 尺码未确认等确定了再发 送小礼品 退5元\n"
    "颜色可写 红/黄/绿/蓝/紫；标准单写「标准」；组长可用 @工号 记录其他销售人"
)
ORDER_USAGE = "用法：/order <订单号>，例如 /order 3659284710562839471"
REMARKS_USAGE = "用法：/remarks [日期|工号]，例如 /remarks 昨天、/remarks 11-20、/remarks 3"
SALES_USAGE = "用法：/sales [日期|YYYY-MM]，例如 /sales、/sales 2026-11、/sales 11-20"

COMMANDS = [
    CommandSpec(
        "remark",
        "/remark <订单号> [平台] [@工号] <内容>",
        "写订单备注：按标准顺序排好（工号、快递、延迟、赠品/退款、其他）并给出旗帜颜色",
        aliases=("备注",),
    ),
    CommandSpec("order", "/order <订单号>", "查看订单的当前备注、历次版本、催付记录和旗帜"),
    CommandSpec("remarks", "/remarks [日期|工号]", "列出某天（默认今天）或某位客服的订单备注"),
    CommandSpec(
        "sales",
        "/sales [日期|YYYY-MM]",
        "按工号统计备注订单数（提成依据，默认本月）",
        min_role=Role.LEAD,
    ),
]


def register(app: Application, svc: Services) -> None:
    """Wire the remarks commands."""
    handlers = {"remark": remark, "order": order, "remarks": remarks, "sales": sales}
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])


async def _html(update: Update, text: str) -> None:
    await reply(update, text, parse_mode=ParseMode.HTML)


async def remark(update: Update, context: BotContext) -> None:
    """Write a remark: parse the parts, put them in order, pick the flag, store a version."""
    svc = context.svc
    author = require_member(update, context)
    typed = rest_text(update.effective_message)
    if not typed:
        await reply(update, REMARK_USAGE)
        return
    try:
        written = svc.orders.remark(author, typed, svc.clock.now())
    except UserError as err:
        await reply(update, f"{err}\n{REMARK_USAGE}")
        return
    text = remarks_text.confirmation(
        written,
        svc.orders.platform_names,
        svc.settings.timezone,
        svc.settings.remarks.precedence,
        is_private(update),
    )
    await _html(update, text)


async def order(update: Update, context: BotContext) -> None:
    """Show an order's current remark, every version, the dunning attempts and the flag."""
    svc = context.svc
    args = rest_text(update.effective_message).split()
    if len(args) != 1:
        await reply(update, ORDER_USAGE)
        return
    try:
        order_no, found = svc.orders.find(args[0])
    except UserError as err:
        await reply(update, f"{err}\n{ORDER_USAGE}")
        return
    if found is None:
        await reply(update, remarks_text.no_order(order_no))
        return
    text = remarks_text.order_card(
        found, svc.orders.platform_names, svc.settings.timezone, is_private(update)
    )
    await _html(update, text)


async def remarks(update: Update, context: BotContext) -> None:
    """List the remarks of one day (default today), optionally of one seller."""
    svc = context.svc
    try:
        listing = svc.orders.day_remarks(rest_text(update.effective_message).split(), svc.today())
    except UserError as err:
        await reply(update, f"{err}\n{REMARKS_USAGE}")
        return
    if not listing.rows:
        await reply(update, remarks_text.no_remarks(listing))
        return
    await _html(
        update, remarks_text.day_remarks(listing, svc.settings.timezone, is_private(update))
    )


async def sales(update: Update, context: BotContext) -> None:
    """Count remarked orders per 工号 for a day or a month (default this month)."""
    svc = context.svc
    args = rest_text(update.effective_message).split()
    try:
        if len(args) > 1:
            raise UserError("参数太多了。")
        start, end, label = sales_period(args[0] if args else None, svc.today())
    except UserError as err:
        await reply(update, f"{err}\n{SALES_USAGE}")
        return
    await reply(update, remarks_text.sales_text(label, svc.orders.sales_per_seller(start, end)))
