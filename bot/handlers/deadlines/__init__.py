"""Deadlines: dunning, follow-up cadence, platform tickets, routine reminders and escalation.

The entry point of the feature's Telegram glue: its /help title, its commands, its button
and their wiring. Each group of commands has its module; the use cases, the reminders and
the timers live in ``bot.services.deadlines``.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.domain.members import Role
from bot.handlers.common import ButtonSpec, CommandSpec, add_button, add_command
from bot.handlers.deadlines import dunning, followup, items, tickets, views
from bot.handlers.deadlines.review import PATTERN, review_decision
from bot.services.container import Services

TITLE = "催付·回访·工单时限"
BUTTONS = [ButtonSpec(PATTERN, Role.LEAD, "需要组长权限才能复核。")]

COMMANDS = [
    CommandSpec(
        "unpaid",
        "/unpaid <订单号> [平台] [下单时间]",
        "登记拍下未付款订单，按催付时限提醒",
        aliases=("催付",),
    ),
    CommandSpec(
        "dunned",
        "/dunned <订单号> <结果>",
        "记录催付结果：完成催付（同步到订单备注记录），结果含“不要了”“已取消”则关闭订单",
        aliases=("已催",),
    ),
    CommandSpec("paid", "/paid <订单号>", "订单已付款：记录催付成交", aliases=("已付款",)),
    CommandSpec(
        "dunrate", "/dunrate", "本月催付成交率（全组和每位客服）", aliases=("催付成交率",)
    ),
    CommandSpec(
        "prospect",
        "/prospect <客户> <顾虑> [A|B|C]",
        "登记咨询未下单客户，按第2、3–5、7天安排回访",
        aliases=("跟进",),
    ),
    CommandSpec("visit", "/visit <客户|#编号> [说明]", "记录一次回访", aliases=("回访",)),
    CommandSpec("replied", "/replied <客户>", "客户有回复：重新开始回访周期", aliases=("已回复",)),
    CommandSpec("bought", "/bought <客户>", "客户已下单，结束跟进", aliases=("已成交",)),
    CommandSpec(
        "lost",
        "/lost <客户> [原因]",
        "客户流失，结束跟进（回访不足3次需组长确认）",
        aliases=("已流失",),
    ),
    CommandSpec(
        "ticket",
        "/ticket <平台> <工单号> [收到时间] [说明]",
        "登记平台工单（天猫/京东/唯品会/ERP/退款/邮件），按平台时限提醒",
        aliases=("工单",),
    ),
    CommandSpec(
        "shipped",
        "/shipped <订单号>",
        "订单已发货：第7天提醒查物流、回访、邀评",
        aliases=("已发货",),
    ),
    CommandSpec("done", "/done <编号|工单号>", "完成并关闭一项待办", aliases=("完成",)),
    CommandSpec("mine", "/mine", "我的待办，按到期先后，超时标出", aliases=("我的",)),
    CommandSpec("due", "/due [today|tomorrow]", "今天或明天到期的全部待办", aliases=("到期",)),
    CommandSpec(
        "overdue",
        "/overdue [工号]",
        "全部超时待办，按负责人分组；加工号只看此人的",
        min_role=Role.LEAD,
        aliases=("超时",),
    ),
    CommandSpec(
        "reassign",
        "/reassign <编号> <工号>",
        "把待办转交给其他同事（组长或负责人本人）",
        aliases=("转交",),
    ),
]


def register(app: Application, svc: Services) -> None:
    """Wire the deadlines handlers; the service registers its timers and re-arms its tick."""
    handlers = {
        **dunning.HANDLERS,
        **followup.HANDLERS,
        **tickets.HANDLERS,
        **items.HANDLERS,
        **views.HANDLERS,
    }
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])
    add_button(app, BUTTONS[0], review_decision)
