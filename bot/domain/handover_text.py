"""How handover items read in Chinese: cards with buttons, lists, alerts and history."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.handover import Item, occ_from_key
from bot.domain.shifts import Shift
from bot.domain.text import mask_phones
from bot.domain.times import parse_iso


def occ_label(key: str, shifts: tuple[Shift, ...]) -> str:
    """Return e.g. ``晚班 11-23`` for a stored occurrence key."""
    occ = occ_from_key(key, shifts)
    if occ is None:
        return key
    return f"{occ.shift.name} {occ.day:%m-%d}"


def _hm(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M") if moment else ""


def headline(item: Item, mask: bool) -> str:
    """Return ``#3 【急】【顺延×1】 text`` on one line."""
    marks = ""
    if item.urgent:
        marks += "【急】"
    if item.rollovers:
        marks += f"【顺延×{item.rollovers}】"
    text = mask_phones(item.text) if mask else item.text
    return f"#{item.id} {marks}{text}"


def details(item: Item) -> str:
    """Return the parsed order number and customer, or an empty string."""
    parts = []
    if item.order_no:
        parts.append(f"订单号：{item.order_no}")
    if item.customer:
        parts.append(f"客户：{item.customer}")
    return " · ".join(parts)


def status(item: Item, tz: ZoneInfo) -> str:
    """Return where the item stands, e.g. ``已接收（5号 赵六 11-23 17:20）``."""
    if item.done:
        note = f"：{item.done_note}" if item.done_note else ""
        return f"✅ 已处理（{item.done_by} {_hm(item.done_at, tz)}{note}）"
    if item.acked:
        return f"👌 已接收（{item.acked_by} {_hm(item.acked_at, tz)}），待处理"
    if item.assignee:
        return f"⏳ 待 {item.assignee} 接收"
    return "⏳ 待接收"


def card(item: Item, tz: ZoneInfo, shifts: tuple[Shift, ...], mask: bool = True) -> str:
    """Return the full card of one item, as posted with its buttons."""
    lines = [headline(item, mask)]
    extra = details(item)
    if extra:
        lines.append(extra)
    lines.append(
        f"交接人：{item.author}（{occ_label(item.from_occ, shifts)}，{_hm(item.created_at, tz)}）"
        f" → {occ_label(item.to_occ, shifts)}"
    )
    lines.append(f"状态：{status(item, tz)}")
    return "\n".join(lines)


def brief(item: Item, tz: ZoneInfo, mask: bool = True) -> str:
    """Return one item in a list: headline, details and status, indented."""
    lines = [headline(item, mask)]
    extra = details(item)
    if extra:
        lines.append(f"   {extra}")
    lines.append(f"   {item.author} 写 · {status(item, tz)}")
    return "\n".join(lines)


def history_entry(item: Item, tz: ZoneInfo, shifts: tuple[Shift, ...], mask: bool) -> str:
    """Return what happened to an item: written, taken over, rolled over, closed."""
    lines = [headline(item, mask)]
    extra = details(item)
    if extra:
        lines.append(f"   {extra}")
    lines.append(
        f"   {_hm(item.created_at, tz)} {item.author}（{occ_label(item.from_occ, shifts)}）"
        f"交给 {occ_label(_first_target(item), shifts)}"
    )
    names = {"ack": "接收", "done": "处理", "rollover": "顺延至", "reassign": "转交给"}
    for entry in item.log:
        event = entry.get("event", "")
        if event not in names:
            continue
        at = _hm(parse_iso(entry["at"]), tz)
        note = entry.get("note", "")
        if event == "rollover":
            lines.append(f"   {at} 未完成，{names[event]} {occ_label(note, shifts)}")
        elif event == "reassign":
            lines.append(f"   {at} {entry['by']} {names[event]} {note}")
        else:
            lines.append(f"   {at} {entry['by']} {names[event]}" + (f"：{note}" if note else ""))
    if not item.done:
        lines.append(f"   当前：{status(item, tz)}，交给 {occ_label(item.to_occ, shifts)}")
    return "\n".join(lines)


def _first_target(item: Item) -> str:
    """Return the shift the item was first written for (before any rollover)."""
    for entry in item.log:
        if entry.get("event") == "write" and entry.get("note"):
            return entry["note"]
    return item.to_occ
