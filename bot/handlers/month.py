"""The lead's month: /discount (/优惠), /kpi, /chart, /export and the approval buttons.

The use cases live in ``svc.month`` (bot/services/month.py); here they are parsed and answered.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import Update
from telegram.ext import Application

from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member, Role
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    add_button,
    add_command,
    args_of,
    is_private,
    reply,
    require_member,
    show_answer,
)
from bot.handlers.context import BotContext
from bot.services.container import Services

log = logging.getLogger(__name__)

# a use case behind a subcommand: (services, member, words, now) → the reply (maybe awaited)
Action = Callable[[Services, Member, list[str], datetime], "str | Awaitable[str]"]

TITLE = "优惠与月度考核"
DISCOUNT_USAGE = (
    "用法：\n"
    "/discount — 查看本月特批额度\n"
    "/discount gift <订单号> <床笠|记忆枕|返现> — 记录 1 张床垫的三选一赠品\n"
    "/discount ask <订单号> <张数> <金额> <理由> — 向组长申请特批优惠\n"
    "/discount list [YYYY-MM] — 组长：查看当月特批审批\n"
    "例如：/discount ask 123456789012 2 200 老客户复购，对比竞品价格"
)
KPI_USAGE = (
    "用法：\n"
    "/kpi [YYYY-MM] [工号] — 考核表（默认本月到目前为止）或某人明细\n"
    "/kpi set <工号> <服务|退款率|维权|配合|执行力> <优|良|中|差 或 退款率%> [YYYY-MM]\n"
    "/kpi add <工号> <低质评价|客户投诉|客户表扬|表现突出> [分数] <原因>\n"
    "/kpi undo <编号> — 撤销一条加减分\n"
    "例如：/kpi set 1 服务 优、/kpi set 1 退款率 3.2%、/kpi add 2 客户投诉 10 发错颜色"
)
CHART_USAGE = (
    "用法：/chart <出勤|时效|催付|kpi|趋势> [YYYY-MM]，例如 /chart kpi、/chart 出勤 2026-11"
)
EXPORT_USAGE = (
    "用法：/export [YYYY-MM] [完整]（「完整」不打码，仅主管私聊可用），例如 /export 2026-11"
)

COMMANDS = [
    CommandSpec(
        "discount",
        "/discount [gift|ask|list] …",
        "优惠权限：查看额度、记录三选一赠品、申请特批；组长查看审批",
        aliases=("优惠",),
        subcommands={"list": Role.LEAD, "审批": Role.LEAD},
    ),
    CommandSpec(
        "kpi",
        "/kpi [YYYY-MM] | set | add | undo …",
        "月度考核表（满分 130）：查看、录入等级/退款率、加减分",
        min_role=Role.LEAD,
        aliases=("考核",),
    ),
    CommandSpec(
        "chart",
        "/chart <出勤|时效|催付|kpi|趋势> [YYYY-MM]",
        "发送图表图片：出勤、时效、催付转化、考核总分、趋势",
        min_role=Role.LEAD,
        aliases=("图表",),
    ),
    CommandSpec(
        "export",
        "/export [YYYY-MM] [完整]",
        "发送月报表格（.xlsx）：出勤、时效、催付、销售、优惠审批、考核",
        min_role=Role.LEAD,
        aliases=("月报",),
    ),
]
BUTTONS = [
    ButtonSpec(r"^discount:(ok|no):\d+$", Role.LEAD, "只有组长可以审批特批优惠。"),
]


def register(app: Application, svc: Services) -> None:
    """Wire the month's commands and the approval buttons."""
    handlers = {"discount": discount, "kpi": kpi, "chart": chart, "export": export}
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])
    add_button(app, BUTTONS[0], on_decision)


def _subcommands(*table: tuple[tuple[str, ...], Action]) -> dict[str, Action]:
    """Return each word of a table of (subcommand words, use case) with its use case."""
    return {word: action for words, action in table for word in words}


async def _run_subcommand(
    update: Update,
    context: BotContext,
    actions: dict[str, Action],
    default: Action,
    usage: str,
) -> None:
    """Run the use case the first word names (else ``default``) and reply what it says."""
    svc = context.svc
    member = require_member(update, context)
    args = args_of(update.effective_message)
    now = svc.clock.now()
    action = actions.get(args[0].lower()) if args else None
    try:
        text = action(svc, member, args[1:], now) if action else default(svc, member, args, now)
        if inspect.isawaitable(text):
            text = await text
    except UserError as err:
        await _answer(update, err, usage)
        return
    await reply(update, text)


async def _answer(update: Update, err: UserError, usage: str) -> None:
    """Reply with a user error, plus the usage line unless it is a plain refusal."""
    await reply(update, str(err) if isinstance(err, Refusal) else f"{err}\n{usage}")


def _own_quota(svc: Services, member: Member, args: list[str], now: datetime) -> str:
    """Show the own quota (no words), else say the subcommand is not understood."""
    if args:
        raise UserError(f"看不懂「{args[0]}」。")
    return svc.month.own_quota(member, now)


# /discount and /kpi: subcommand words → the use case run with the words after them;
# anything else runs the command's default with all its words
_DISCOUNT = _subcommands(
    (
        ("gift", "赠品", "三选一"),
        lambda svc, member, words, now: svc.month.gift(member, words, now),
    ),
    (("ask", "申请", "特批"), lambda svc, member, words, now: svc.month.ask(member, words, now)),
    (("list", "审批"), lambda svc, _member, words, _now: svc.month.approvals(words, svc.today())),
)
_KPI = _subcommands(
    (("set", "录入"), lambda svc, lead, words, now: svc.month.set_entry(lead, words, now)),
    (("add", "加减分"), lambda svc, lead, words, now: svc.month.add_adjustment(lead, words, now)),
    (("undo", "撤销"), lambda svc, _lead, words, now: svc.month.withdraw(words, now)),
)


async def discount(update: Update, context: BotContext) -> None:
    """Show the own quota, record a gift, ask for a special discount, or list approvals."""
    await _run_subcommand(update, context, _DISCOUNT, _own_quota, DISCOUNT_USAGE)


async def on_decision(update: Update, context: BotContext) -> None:
    """Approve or refuse a request from its card; answer the press and update the card."""
    query = update.callback_query
    lead = require_member(update, context)
    _, verdict, raw = query.data.split(":")
    decided = await context.svc.month.decide(
        lead, verdict == "ok", int(raw), context.svc.clock.now()
    )
    await show_answer(query, decided)


async def kpi(update: Update, context: BotContext) -> None:
    """Show the sheet so far, one agent's detail, or record the lead's entries."""
    await _run_subcommand(
        update, context, _KPI, lambda svc, _lead, args, now: svc.month.sheet(args, now), KPI_USAGE
    )


async def chart(update: Update, context: BotContext) -> None:
    """Send a chart of the month as a picture."""
    svc = context.svc
    try:
        png, filename = await svc.month.chart(args_of(update.effective_message), svc.clock.now())
    except UserError as err:
        await _answer(update, err, CHART_USAGE)
        return
    await update.effective_message.reply_photo(photo=png, filename=filename)


async def export(update: Update, context: BotContext) -> None:
    """Send the month's spreadsheet; the unmasked one only to an admin in private."""
    svc = context.svc
    member = require_member(update, context)
    try:
        data, filename = await svc.month.export(
            member, args_of(update.effective_message), is_private(update), svc.clock.now()
        )
    except UserError as err:
        await _answer(update, err, EXPORT_USAGE)
        return
    await update.effective_message.reply_document(document=data, filename=filename)
