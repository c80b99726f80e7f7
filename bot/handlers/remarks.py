"""Order remarks (订单备注): /remark, /order, /remarks, /sales.

The order book is exposed to other features as ``svc.feature["orders"]`` (an OrderBook,
see bot/persistence/orders.py). After a new remark version the event ``remarks.recorded``
is emitted with order_no (str), version (RemarkVersion) and member (the author).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.config.remarks import RemarksSettings
from bot.domain.dates import read_day, read_month
from bot.domain.errors import UserError
from bot.domain.members import WEEKDAY_NAMES, Member, Role, parse_work_no
from bot.domain.orders import Order, RemarkVersion
from bot.domain.remarks import Colour, mask_customer_data
from bot.handlers.common import (
    CommandSpec,
    add_command,
    is_private,
    reply,
    require_member,
    rest_text,
)
from bot.persistence.orders import OrderBook, OrderRepo
from bot.services import BotContext, Services

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
    """Wire the remarks commands and expose the order book to other features."""
    settings: RemarksSettings = svc.settings.feature("remarks")
    tz = svc.settings.timezone
    repo = OrderRepo(svc.store, tz, settings.live_days)
    names = {p.key: p.name for p in svc.settings.platforms}
    svc.feature["orders"] = OrderBook(repo, settings, tz, names)
    handlers = {"remark": remark, "order": order, "remarks": remarks, "sales": sales}
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])


def _book(context: BotContext) -> OrderBook:
    return context.svc.feature["orders"]


async def _html(update: Update, text: str) -> None:
    await reply(update, text, parse_mode=ParseMode.HTML)


def _shown(update: Update, text: str) -> str:
    """Return remark text as it may be shown here: masked in a group, whole in private."""
    return text if is_private(update) else mask_customer_data(text)


async def remark(update: Update, context: BotContext) -> None:
    """Write a remark: parse the parts, put them in order, pick the flag, store a version."""
    svc = context.svc
    author = require_member(update, context)
    book = _book(context)
    rest = rest_text(update.effective_message)
    if not rest:
        await reply(update, REMARK_USAGE)
        return
    first, content = _head(rest)
    try:
        order_no = book.validate_order_no(first)
        seller, platform, content = _options(svc, author, content.strip())
    except UserError as err:
        await reply(update, f"{err}\n{REMARK_USAGE}")
        return
    if not content:
        await reply(
            update, f"备注内容不能为空；标准单（无特殊要求）请写「标准」。\n{REMARK_USAGE}"
        )
        return
    now = svc.clock.now()
    existing = book.get(order_no)
    platform = platform or (existing.platform if existing else None)
    platform = platform or _platform_by_number(svc, book, order_no, author, now)
    try:
        result, version, added = book.write_remark(
            order_no, content, author=author, seller=seller, at=now, platform=platform
        )
    except UserError as err:
        await reply(update, f"{err}\n{REMARK_USAGE}")
        return
    await _html(update, _confirmation(update, svc, result, version, added, author))
    if added:
        await svc.events.emit(
            "remarks.recorded", order_no=order_no, version=version, member=author
        )


def _head(text: str) -> tuple[str, str]:
    """Split off the first word; the rest keeps its own separators."""
    parts = re.split(r"\s+", text.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _options(svc: Services, author: Member, content: str) -> tuple[Member, str | None, str]:
    """Read the optional platform word and @工号 in front of the content."""
    seller, platform = author, None
    for _ in range(2):
        word, after = _head(content)
        if word.startswith("@") and seller is author:
            seller = _seller(svc, author, word[1:])
        elif platform is None and _platform_key(svc, word) is not None:
            platform = _platform_key(svc, word)
        else:
            break
        content = after.strip()
    return seller, platform, content


def _seller(svc: Services, author: Member, text: str) -> Member:
    try:
        work_no = parse_work_no(text)
    except ValueError as err:
        raise UserError(str(err)) from None
    if work_no == author.work_no:
        return author
    if author.role < Role.LEAD:
        raise UserError("谁销售谁备注：只有组长可以用 @工号 为其他同事记录销售。")
    member = svc.members.by_work_no(work_no)
    if member is None:
        raise UserError(f"没有工号为 {work_no} 的成员，请核对工号（/team 可查看）。")
    return member


def _platform_key(svc: Services, word: str) -> str | None:
    lowered = word.lower()
    for platform in svc.settings.platforms:
        if lowered in (platform.key.lower(), platform.name.lower()):
            return platform.key
    return None


def _platform_by_number(
    svc: Services, book: OrderBook, order_no: str, author: Member, now: datetime
) -> str | None:
    """Detect the platform from the number; when formats tie (天猫/淘宝), ask who holds what."""
    candidates = book.settings.rules.platforms_of(order_no)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    held = [
        p.key
        for p in svc.settings.platforms
        if p.key in candidates and any(_holds(svc, account, author, now) for account in p.accounts)
    ]
    return held[0] if len(held) == 1 else None


def _holds(svc: Services, account: str, member: Member, now: datetime) -> bool:
    holder = svc.roster.holder(account, now)
    return holder is not None and holder.user_id == member.user_id


def _platform_name(svc: Services, key: str | None) -> str:
    if key is None:
        return "平台未识别"
    return next((p.name for p in svc.settings.platforms if p.key == key), key)


def _confirmation(
    update: Update,
    svc: Services,
    order: Order,
    version: RemarkVersion,
    added: bool,
    author: Member,
) -> str:
    memo = order.memo(svc.settings.timezone)
    shown = _shown(update, memo)
    head = (
        f"✅ 订单 {html.escape(order.order_no)}（{_platform_name(svc, order.platform)}）"
        f"备注已保存（第 {version.number} 版）"
        if added
        else f"ℹ️ 订单 {html.escape(order.order_no)} 的备注与当前第 {version.number} 版相同，"
        "未新增版本"
    )
    precedence = svc.settings.feature("remarks").precedence
    lines = [head, f"<code>{html.escape(shown)}</code>", _flag_line(version, precedence)]
    if version.seller != author.work_no:
        lines.append(
            f"销售：{version.seller}号 {html.escape(version.seller_name)}（{author.name} 代记）"
        )
    if order.platform is None:
        lines.append("平台未识别：可写成 /remark 订单号 天猫 内容")
    if shown != memo:
        lines.append("🔒 手机号/地址已在群里隐藏；完整备注请私聊机器人发送 /order 订单号")
    return "\n".join(lines)


def _flag_line(version: RemarkVersion, precedence: tuple[Colour, ...]) -> str:
    """Return the flag, and why: the agent's choice, or the precedence between parts."""
    remark = version.remark
    if remark.explicit is not None:
        note = "（按您指定）"
        if remark.explicit is not remark.derived:
            note = f"（按您指定；按内容应为{remark.derived.word}旗）"
        return f"旗帜：{remark.explicit.badge}{note}"
    parts = {
        Colour.YELLOW: remark.couriers,
        Colour.GREEN: remark.delays,
        Colour.BLUE: remark.benefits,
        Colour.PURPLE: remark.others,
    }
    present = [c for c in precedence if parts[c]]
    if len(present) > 1:
        order = ">".join(c.word for c in precedence)
        words = "、".join(c.word for c in present)
        return (
            f"旗帜：{remark.derived.badge}"
            f"（含{words}旗内容，按优先级 {order} 取{remark.derived.word}）"
        )
    return f"旗帜：{remark.derived.badge}"


async def order(update: Update, context: BotContext) -> None:
    """Show an order's current remark, every version, the dunning attempts and the flag."""
    svc = context.svc
    book = _book(context)
    args = rest_text(update.effective_message).split()
    if len(args) != 1:
        await reply(update, ORDER_USAGE)
        return
    try:
        order_no = book.validate_order_no(args[0])
    except UserError as err:
        await reply(update, f"{err}\n{ORDER_USAGE}")
        return
    found = book.get(order_no)
    if found is None:
        await reply(
            update, f"订单 {order_no} 还没有备注或催付记录。用 /remark {order_no} <内容> 备注。"
        )
        return
    tz = svc.settings.timezone
    current = found.current
    head = f"📦 订单 {html.escape(order_no)} · {_platform_name(svc, found.platform)}"
    if current is not None:
        head += f" · {current.colour.badge}"
    lines = [head]
    if current is not None:
        lines.append(f"销售：{current.seller}号 {html.escape(current.seller_name)}")
    lines.append(f"当前备注{f'（第 {current.number} 版）' if current else ''}：")
    lines.append(f"<code>{html.escape(_shown(update, found.memo(tz)))}</code>")
    if found.versions:
        lines.append("\n历次版本：")
        for version in reversed(found.versions):
            by = version.author_name
            if version.author != version.seller:
                by += f"（为 {version.seller}号 {version.seller_name}）"
            lines.append(
                f"第 {version.number} 版 · {_when(version.at, tz)} · {html.escape(by)} · "
                f"{version.colour.emoji}{version.colour.word}"
            )
            lines.append(f"<code>{html.escape(_shown(update, version.canonical))}</code>")
    if found.dunning:
        lines.append("\n催付记录：")
        for attempt in found.dunning:
            lines.append(
                f"{_when(attempt.at, tz)} · {html.escape(attempt.name)}（{attempt.work_no}号）："
                f"{html.escape(_shown(update, attempt.result))}"
            )
    await _html(update, "\n".join(lines))


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%m-%d %H:%M}"


async def remarks(update: Update, context: BotContext) -> None:
    """List the remarks of one day (default today), optionally of one seller."""
    svc = context.svc
    args = rest_text(update.effective_message).split()
    day: date | None = None
    seller: Member | None = None
    try:
        for arg in args:
            parsed = read_day(arg, svc.today(), past=True)
            if parsed is not None and day is None:
                day = parsed
            elif parsed is None and seller is None:
                seller = _member_arg(svc, arg)
            else:
                raise UserError("参数太多了。")
    except UserError as err:
        await reply(update, f"{err}\n{REMARKS_USAGE}")
        return
    day = day or svc.today()
    tz = svc.settings.timezone
    start = datetime.combine(day, time(0), tzinfo=tz)
    latest: dict[str, RemarkVersion] = {}
    for order_no, version in _book(context).remarks_between(start, start + timedelta(days=1)):
        latest.pop(order_no, None)
        latest[order_no] = version
    rows = [(n, v) for n, v in latest.items() if seller is None or v.seller == seller.work_no]
    whose = f"{seller.work_no}号 {seller.name} " if seller else ""
    label = f"{day:%m-%d}（{WEEKDAY_NAMES[day.weekday()]}）"
    if not rows:
        await reply(update, f"{whose}{label}没有订单备注。")
        return
    lines = [f"📋 {html.escape(whose)}{label}订单备注 {len(rows)} 单："]
    for order_no, version in rows:
        lines.append(
            f"\n{version.at.astimezone(tz):%H:%M} {version.colour.emoji} {html.escape(order_no)}"
            f" · {version.seller}号 {html.escape(version.seller_name)} · 第 {version.number} 版"
        )
        lines.append(f"<code>{html.escape(_shown(update, version.canonical))}</code>")
    await _html(update, "\n".join(lines))


def _member_arg(svc: Services, text: str) -> Member:
    try:
        work_no = parse_work_no(text)
    except ValueError:
        raise UserError(f"看不懂「{text}」：应为日期（如 11-20、昨天）或工号（如 3）。") from None
    member = svc.members.by_work_no(work_no)
    if member is None:
        raise UserError(f"没有工号为 {work_no} 的成员。")
    return member


async def sales(update: Update, context: BotContext) -> None:
    """Count remarked orders per 工号 for a day or a month (default this month)."""
    svc = context.svc
    args = rest_text(update.effective_message).split()
    tz = svc.settings.timezone
    today = svc.today()
    try:
        if len(args) > 1:
            raise UserError("参数太多了。")
        start, end, label = _period(args[0] if args else None, today)
    except UserError as err:
        await reply(update, f"{err}\n{SALES_USAGE}")
        return
    counts = _book(context).sales_totals(
        datetime.combine(start, time(0), tzinfo=tz), datetime.combine(end, time(0), tzinfo=tz)
    )
    if not counts:
        await reply(update, f"{label}没有备注过的订单。")
        return
    lines = [f"💰 {label}备注订单统计（按工号，提成依据）："]
    total = 0
    for work_no in sorted(counts, key=int):
        member = svc.members.by_work_no(work_no)
        name = member.name if member else counts[work_no].seller_name
        lines.append(f"{work_no}号 {name}：{counts[work_no].count} 单")
        total += counts[work_no].count
    lines.append(f"合计 {total} 单（订单按首次备注的日期计，归当前备注上的工号）")
    await reply(update, "\n".join(lines))


def _period(arg: str | None, today: date) -> tuple[date, date, str]:
    """Return [start, end) and a label for a day, a month, or this month."""
    if arg is None:
        start = today.replace(day=1)
        return start, _next_month(start), f"{start:%Y-%m}（本月至今）"
    day = read_day(arg, today, past=True)
    if day is not None:
        return day, day + timedelta(days=1), f"{day:%Y-%m-%d}"
    month = read_month(arg, today)
    if month is None:
        raise UserError(f"看不懂「{arg}」：应为日期（如 11-20）或月份（如 2026-11）。")
    start = date(month[0], month[1], 1)
    return start, _next_month(start), f"{start:%Y-%m}"


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
