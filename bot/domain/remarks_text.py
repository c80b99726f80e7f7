"""How remarks read in Chinese: the /remark confirmation, /order, /remarks and /sales.

Texts that carry remark bodies are HTML (the body sits in ``<code>`` so one tap copies it);
in a group chat, customer phones and street addresses are masked.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.members import WEEKDAY_NAMES, short_name
from bot.domain.orders import DayRemarks, Order, RemarkVersion, RemarkWritten, SellerSales
from bot.domain.remarks import Colour, mask_customer_data


def shown(text: str, private: bool) -> str:
    """Return remark text as it may be shown: whole in private, masked in a group."""
    return text if private else mask_customer_data(text)


def platform_label(names: Mapping[str, str], key: str | None) -> str:
    """Return the platform's Chinese name, or say it was not recognised."""
    if key is None:
        return "平台未识别"
    return names.get(key, key)


def _recorded(work_no: str, name: str) -> str:
    """Return a seller as the order recorded them (their name at the time), e.g. ``1号 张三``."""
    return f"{work_no}号 {name}"


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%m-%d %H:%M}"


def confirmation(
    written: RemarkWritten,
    platforms: Mapping[str, str],
    tz: ZoneInfo,
    precedence: tuple[Colour, ...],
    private: bool,
) -> str:
    """Return the HTML reply to /remark: the saved memo to copy, its flag and any notes."""
    order, version, author = written.order, written.version, written.author
    memo = order.memo(tz)
    visible = shown(memo, private)
    number = html.escape(order.order_no)
    head = (
        f"✅ 订单 {number}（{platform_label(platforms, order.platform)}）"
        f"备注已保存（第 {version.number} 版）"
        if written.added
        else f"ℹ️ 订单 {number} 的备注与当前第 {version.number} 版相同，未新增版本"
    )
    lines = [head, f"<code>{html.escape(visible)}</code>", flag_line(version, precedence)]
    if version.seller != author.work_no:
        seller = html.escape(_recorded(version.seller, version.seller_name))
        lines.append(f"销售：{seller}（{author.name} 代记）")
    if order.platform is None:
        lines.append("平台未识别：可写成 /remark 订单号 天猫 内容")
    if visible != memo:
        lines.append("🔒 手机号/地址已在群里隐藏；完整备注请私聊机器人发送 /order 订单号")
    return "\n".join(lines)


FLAG_NUMBER_PLATFORMS = ("taobao", "tmall")  # their seller backends number the flags 1–5


def flag_line(version: RemarkVersion, precedence: tuple[Colour, ...]) -> str:
    """Return the flag (with its number on Taobao/Tmall), and why it is that colour."""
    line = _flag_reason(version, precedence)
    if version.platform in FLAG_NUMBER_PLATFORMS:
        line += f"\n旗帜编号：{version.colour.flag_number}（{version.colour.word}旗）"
    return line


def _flag_reason(version: RemarkVersion, precedence: tuple[Colour, ...]) -> str:
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


def no_order(order_no: str) -> str:
    """Return the plain reply to /order for a number never remarked nor dunned."""
    return f"订单 {order_no} 还没有备注或催付记录。用 /remark {order_no} <内容> 备注。"


def order_card(order: Order, platforms: Mapping[str, str], tz: ZoneInfo, private: bool) -> str:
    """Return the HTML /order view: current remark, every version, the dunning attempts."""
    current = order.current
    head = f"📦 订单 {html.escape(order.order_no)} · {platform_label(platforms, order.platform)}"
    if current is not None:
        head += f" · {current.colour.badge}"
    lines = [head]
    if current is not None:
        lines.append(f"销售：{html.escape(_recorded(current.seller, current.seller_name))}")
    lines.append(f"当前备注{f'（第 {current.number} 版）' if current else ''}：")
    lines.append(f"<code>{html.escape(shown(order.memo(tz), private))}</code>")
    if order.versions:
        lines.append("\n历次版本：")
        for version in reversed(order.versions):
            by = version.author_name
            if version.author != version.seller:
                by += f"（为 {_recorded(version.seller, version.seller_name)}）"
            lines.append(
                f"第 {version.number} 版 · {_when(version.at, tz)} · {html.escape(by)} · "
                f"{version.colour.emoji}{version.colour.word}"
            )
            lines.append(f"<code>{html.escape(shown(version.canonical, private))}</code>")
    if order.dunning:
        lines.append("\n催付记录：")
        for attempt in order.dunning:
            lines.append(
                f"{_when(attempt.at, tz)} · {html.escape(attempt.name)}（{attempt.work_no}号）："
                f"{html.escape(shown(attempt.result, private))}"
            )
    return "\n".join(lines)


def _day_title(listing: DayRemarks) -> tuple[str, str]:
    whose = f"{short_name(listing.seller)} " if listing.seller else ""
    day = listing.day
    return whose, f"{day:%m-%d}（{WEEKDAY_NAMES[day.weekday()]}）"


def no_remarks(listing: DayRemarks) -> str:
    """Return the plain reply to /remarks for a day (and seller) without remarks."""
    whose, label = _day_title(listing)
    return f"{whose}{label}没有订单备注。"


def day_remarks(listing: DayRemarks, tz: ZoneInfo, private: bool) -> str:
    """Return the HTML /remarks list: each order's latest version of that day."""
    whose, label = _day_title(listing)
    lines = [f"📋 {html.escape(whose)}{label}订单备注 {len(listing.rows)} 单："]
    for order_no, version in listing.rows:
        seller = html.escape(_recorded(version.seller, version.seller_name))
        lines.append(
            f"\n{version.at.astimezone(tz):%H:%M} {version.colour.emoji} {html.escape(order_no)}"
            f" · {seller} · 第 {version.number} 版"
        )
        lines.append(f"<code>{html.escape(shown(version.canonical, private))}</code>")
    return "\n".join(lines)


def sales_text(label: str, rows: list[SellerSales]) -> str:
    """Return the plain /sales reply: orders per 工号 and the total, or that there were none."""
    if not rows:
        return f"{label}没有备注过的订单。"
    lines = [f"💰 {label}备注订单统计（按工号，提成依据）："]
    lines += [f"{_recorded(row.work_no, row.name)}：{row.orders} 单" for row in rows]
    total = sum(row.orders for row in rows)
    lines.append(f"合计 {total} 单（订单按首次备注的日期计，归当前备注上的工号）")
    return "\n".join(lines)
