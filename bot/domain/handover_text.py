"""How handover items read in Chinese: cards with buttons, lists, alerts and history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.handover import Item, occ_from_key, occ_key
from bot.domain.shifts import Shift, ShiftOccurrence
from bot.domain.text import TELEGRAM_LIMIT, mask_phones
from bot.domain.times import parse_iso

MOVED = "（已重新发出，请在最新消息中操作）"
LIST_ITEMS = 10  # items in one list message: ten rows of buttons still fit a phone screen
LIST_CHARS = 3000  # a list's length when posted: room under 4096 for statuses added later


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


def refusal(item: Item, shifts: tuple[Shift, ...]) -> str:
    """Return why a member may not take an item over."""
    if item.assignee:
        return f"#{item.id} 已转交给 {item.assignee}，只有本人或组长可以操作。"
    return (
        f"#{item.id} 交给 {occ_label(item.to_occ, shifts)}，只有接班同事、交接人或组长可以操作。"
    )


def retired_card(item: Item, tz: ZoneInfo, shifts: tuple[Shift, ...]) -> str:
    """Return what an earlier card of an item turns into once a newer one was posted."""
    return f"{card(item, tz, shifts, mask=True)}\n{MOVED}"


def post(
    header: str, shown: list[tuple[Item, bool]], tz: ZoneInfo, shifts: tuple[Shift, ...]
) -> str:
    """Return a post in the team chat: an item's own card, or a heading over a list of items.

    ``shown`` pairs each item with whether this message is still the one it is live in; an
    item posted again since then points to its newest message.
    """
    if not header:
        item, live = shown[0]
        text = card(item, tz, shifts) if live else retired_card(item, tz, shifts)
    else:
        lines = [header]
        for item, live in shown:
            lines.append(brief(item, tz))
            if not live:
                lines.append(f"   {MOVED}")
        done = progress([item for item, live in shown if live])
        text = "\n".join(lines + ([done] if done else []))
    # Long closing notes can only grow a posted list: never past what Telegram takes.
    return text if len(text) <= TELEGRAM_LIMIT else text[: TELEGRAM_LIMIT - 1] + "…"


def progress(items: list[Item]) -> str | None:
    """Return a list's progress line once any of its items moved on (None: none has)."""
    done = sum(1 for i in items if i.done)
    acked = sum(1 for i in items if i.acked and not i.done)
    if not done and not acked:
        return None
    if done == len(items):
        return "✅ 本清单已全部处理。"
    counts = (("已处理", done), ("已接收待处理", acked), ("待接收", len(items) - done - acked))
    return "进度：" + "，".join(f"{label} {n} 项" for label, n in counts if n) + "。"


def post_parts(
    header: str, key: str, items: list[Item], tz: ZoneInfo, shifts: tuple[Shift, ...]
) -> list[tuple[str, list[Item]]]:
    """Split a list post into messages of at most LIST_ITEMS items and LIST_CHARS characters.

    Return each message's heading and items: the first carries ``header``, the others say
    that they continue it.
    """
    more = f"📋 {occ_label(key, shifts)} 的交接（续）："
    parts: list[tuple[str, list[Item]]] = []
    heading, current, size = header, [], len(header)
    for item in items:
        entry = len(brief(item, tz)) + 1
        if current and (len(current) == LIST_ITEMS or size + entry > LIST_CHARS):
            parts.append((heading, current))
            heading, current, size = more, [], len(more)
        current.append(item)
        size += entry
    parts.append((heading, current))
    return parts


def reminder(occ: ShiftOccurrence, tz: ZoneInfo) -> str:
    """Return the reminder to write the handover before the shift ends."""
    return (
        f"⏰ 交接提醒：{occ.shift.name} {occ.end(tz):%H:%M} 下班，请在下班前写好交接：\n"
        "/交接 事项（每行一项，急件加 !急，可写 订单号：… 客户：…）\n"
        "没有需要交接的请发送 /交接 无"
    )


def login_header(key: str, items: list[Item], shifts: tuple[Shift, ...]) -> str:
    """Return the team chat's heading over the items posted at a shift's login."""
    urgent = sum(i.urgent for i in items)
    rolled = sum(1 for i in items if i.rollovers)
    extra = "".join(
        [f"，急件 {urgent} 项" if urgent else "", f"，顺延 {rolled} 项" if rolled else ""]
    )
    return (
        f"📋 交接班：{occ_label(key, shifts)} 上班，共 {len(items)} 项交接{extra}。\n"
        "请接班同事逐项点【接收 #编号】，处理完点【处理 #编号】"
        "（或发送 /handover done <编号> [说明]）。"
    )


def rollover_header(key: str, target: str, count: int, shifts: tuple[Shift, ...]) -> str:
    """Return the team chat's heading over items handed on to a shift already at work."""
    return (
        f"📋 {occ_label(key, shifts)} 下班，{count} 项交接未完成，"
        f"顺延给 {occ_label(target, shifts)}，请接收："
    )


def alert(
    key: str, items: list[Item], minutes: int, tz: ZoneInfo, shifts: tuple[Shift, ...]
) -> str:
    """Return the lead's alert about items not taken over or carried over to a shift."""
    unacked = [i for i in items if not i.acked]
    rolled = [i for i in items if i.acked and i.rollovers]
    parts = [f"⚠️ 交接未接收提醒（{occ_label(key, shifts)}）"]
    if unacked:
        parts.append(f"以下 {len(unacked)} 项超过 {minutes} 分钟仍无人接收：")
        parts.extend(brief(i, tz) for i in unacked)
    if rolled:
        parts.append(f"以下 {len(rolled)} 项是顺延过来的未完成事项：")
        parts.extend(brief(i, tz) for i in rolled)
    parts.append("请安排接班同事处理：/handover ack <编号> 或 /handover reassign <编号> <工号>")
    return "\n".join(parts)


def escalation(item: Item, minutes: int, tz: ZoneInfo, shifts: tuple[Shift, ...]) -> str:
    """Return the lead's alert about an urgent item not done in time."""
    taken = f"，{item.acked_by} 已接收" if item.acked else "，尚无人接收"
    return (
        f"🚨 急件超过 {minutes} 分钟未处理{taken}（交给 {occ_label(item.to_occ, shifts)}）：\n"
        f"{brief(item, tz)}"
    )


def checked_in(
    name: str, key: str, items: list[Item], tz: ZoneInfo, shifts: tuple[Shift, ...]
) -> tuple[str, str]:
    """Return the private list for an agent who checked in, and its team chat fallback."""
    label = occ_label(key, shifts)
    lines = [f"📋 {name}，交给 {label} 的交接共 {len(items)} 项，请逐项接收："]
    lines.extend(brief(i, tz, mask=False) for i in items)
    plain = "\n".join(brief(i, tz) for i in items)
    group = (
        f"交给 {label} 的交接共 {len(items)} 项，请点下面的按钮接收"
        f"或发送 /handover ack <编号>：\n{plain}"
    )
    return "\n".join(lines), group


def written(
    items: list[Item],
    source: str,
    target: ShiftOccurrence,
    started: bool,
    urgent_minutes: int,
    tz: ZoneInfo,
    shifts: tuple[Shift, ...],
    mask: bool,
) -> str:
    """Return the confirmation of items just written, and when the next shift sees them."""
    route = f"{occ_label(source, shifts)} → {occ_label(occ_key(target), shifts)}"
    lines = [f"📝 已记录 {len(items)} 项交接（{route}）："]
    for item in items:
        lines.append(headline(item, mask))
        if details(item):
            lines.append(f"   {details(item)}")
    if started:
        lines.append(f"{target.shift.name}已上班，事项已发到团队群，请接班同事逐项接收。")
    else:
        lines.append(
            f"{target.shift.name} {target.start(tz).astimezone(tz):%H:%M} 上班时会发到团队群，"
            "接班同事挂号后也会私信收到。"
        )
    if any(i.urgent for i in items):
        lines.append(f"急件在接班后 {urgent_minutes} 分钟内未处理会通知组长。")
    return "\n".join(lines)


def open_items(
    items: list[Item],
    current: str,
    following: str,
    tz: ZoneInfo,
    shifts: tuple[Shift, ...],
    mask: bool,
) -> str:
    """Return the open items: those for this shift, for the next one, then the rest."""
    if not items:
        return "目前没有未完成的交接事项。写交接：/handover <事项>"
    groups = [
        (
            f"交给本班（{occ_label(current, shifts)}）的事项：",
            [i for i in items if i.to_occ == current],
        ),
        (
            f"交给下一班（{occ_label(following, shifts)}）的事项：",
            [i for i in items if i.to_occ == following],
        ),
    ]
    shown = {i.id for _, group in groups for i in group}
    groups.append(("其他未完成的事项：", [i for i in items if i.id not in shown]))
    lines = [f"📋 未完成的交接共 {len(items)} 项："]
    for title, group in groups:
        if group:
            lines.append(f"\n{title}")
            lines.extend(brief(i, tz, mask=mask) for i in group)
    lines.append("\n接收：/handover ack <编号>；处理：/handover done <编号> [说明]")
    return "\n".join(lines)


def pressed_list(items: list[Item], tz: ZoneInfo, mask: bool) -> str:
    """Return a list message re-rendered after one of its buttons was pressed."""
    return "📋 交接事项：\n" + "\n".join(brief(i, tz, mask=mask) for i in items)


def history(
    day: date,
    items: list[Item],
    nothing: list[tuple[str, int, datetime]],
    names: dict[int, str],
    tz: ZoneInfo,
    shifts: tuple[Shift, ...],
    mask: bool,
) -> str:
    """Return a day's handover: items by the shift that wrote them, then who said "nothing".

    ``nothing`` holds (occurrence key, member id, when) per "nothing to hand over" and
    ``names`` the name of each member id; saying it twice for one shift is listed once.
    """
    if not items and not nothing:
        return f"{day:%Y-%m-%d} 没有交接记录。"
    lines = [f"📚 {day:%Y-%m-%d} 交接记录（共 {len(items)} 项）："]
    for source in sorted({i.from_occ for i in items}, key=lambda k: _login_order(k, shifts, tz)):
        lines.append(f"\n【{occ_label(source, shifts)}】")
        lines.extend(history_entry(i, tz, shifts, mask) for i in items if i.from_occ == source)
    seen: set[tuple[str, int]] = set()
    said = []
    for occ, member_id, at in sorted(nothing, key=lambda n: n[2]):
        if (occ, member_id) in seen:
            continue
        seen.add((occ, member_id))
        said.append(f"{names[member_id]}（{occ_label(occ, shifts)}，{at.astimezone(tz):%H:%M}）")
    if said:
        lines.append(f"\n登记“无交接”：{'、'.join(said)}")
    return "\n".join(lines)


def _login_order(key: str, shifts: tuple[Shift, ...], tz: ZoneInfo) -> tuple[int, str]:
    """Sort occurrence keys by login time; keys of removed shifts come first."""
    found = occ_from_key(key, shifts)
    return (int(found.start(tz).timestamp()), key) if found else (0, key)
