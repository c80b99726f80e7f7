"""Shift handover (交接班): /handover, the 已接收/已处理 buttons, and the handover timers.

Timers per shift occurrence (planned ahead, keyed by kind and occurrence):
``handover:remind`` (end − remind_before), ``handover:post`` (login), ``handover:alert``
(login + ack_alert_after, plus one per batch written or rolled over after login) and
``handover:rollover`` (end). Per item: ``handover:urgent`` (urgent_after past the later of
writing and the receiving shift's login). Every handler re-reads the items and acts only
on what is still open, so running one twice is harmless.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot.config.handover import HandoverSettings
from bot.delivery import markup
from bot.domain import handover_text as fmt
from bot.domain.dates import parse_day
from bot.domain.errors import UserError
from bot.domain.handover import (
    Item,
    ack_due,
    is_nothing,
    last_started,
    next_occurrence,
    occ_from_key,
    occ_key,
    own_occurrence,
    parse_items,
    reminder_at,
    who,
)
from bot.domain.members import Member, Role, parse_work_no
from bot.domain.shifts import ShiftOccurrence, occurrences_between
from bot.domain.times import iso
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    add_button,
    add_command,
    is_private,
    reply,
    require_member,
)
from bot.handlers.common import rest_text as message_rest
from bot.handlers.context import BotContext
from bot.persistence.handover import HandoverRepo
from bot.persistence.timers import Timer
from bot.services.container import Services
from bot.services.messenger import Button, Keyboard

log = logging.getLogger(__name__)

TITLE = "交接班"
COMMANDS = [
    CommandSpec(
        "handover",
        "/handover <事项>（每行一项，急件加 !急）",
        "写交接给下一班；另有 无、ack/done <编号>、reassign <编号> <工号>、"
        "history [日期]；不带内容 = 查看未完成事项（/handover help 看详细用法）",
        aliases=("交接",),
    ),
]

BUTTONS = [ButtonSpec(r"^handover:(ack|done):\d+$")]

USAGE = (
    "用法：\n"
    "/handover <事项> — 每行一项，交给下一班；急件加 !急，可写 订单号：… 客户：…\n"
    "/handover 无 — 本班没有需要交接的事项\n"
    "/handover — 查看未完成的交接事项\n"
    "/handover ack <编号> — 接收（也可点【已接收】）\n"
    "/handover done <编号> [说明] — 处理完毕（也可点【已处理】）\n"
    "/handover reassign <编号> <工号> — 转交给某位同事\n"
    "/handover history [日期] — 查看某天的交接记录（如 11-23、昨天）\n"
    "例如：/交接 !急 客户：小王 订单号：3344556677889 要求今晚改地址"
)
SUBCOMMANDS = {
    "done": "done",
    "完成": "done",
    "处理": "done",
    "ack": "ack",
    "接收": "ack",
    "reassign": "reassign",
    "转交": "reassign",
    "history": "history",
    "历史": "history",
    "记录": "history",
    "list": "list",
    "列表": "list",
    "help": "help",
    "帮助": "help",
}
LOOKAHEAD = 14  # occurrences searched for a shift with somebody on duty


def register(app: Application, svc: Services) -> None:
    """Wire the handover command, buttons, timers, planner and the check-in listener."""
    add_command(app, COMMANDS[0], handover_command)
    add_button(app, BUTTONS[0], on_button)
    svc.scheduler.on("handover:remind", partial(remind, svc))
    svc.scheduler.on("handover:post", partial(post_due, svc))
    svc.scheduler.on("handover:alert", partial(alert, svc))
    svc.scheduler.on("handover:rollover", partial(rollover, svc))
    svc.scheduler.on("handover:urgent", partial(escalate, svc))
    svc.scheduler.add_planner(partial(plan, svc))
    svc.events.on("checkin.recorded", partial(on_checkin, svc))


def _cfg(svc: Services) -> HandoverSettings:
    return svc.settings.handover


def _repo(svc: Services) -> HandoverRepo:
    return svc.handover.repo


def _label(svc: Services, key: str) -> str:
    return fmt.occ_label(key, svc.settings.shifts)


# ---- which shift hands over to which ------------------------------------------------------


def author_occurrence(svc: Services, member: Member, now: datetime) -> ShiftOccurrence:
    """Return the shift a member writes the handover from: their own, else the latest one."""
    tz = svc.settings.timezone
    own = own_occurrence(
        svc.settings.shifts, lambda day: svc.roster.shift_of(member, day), now, tz
    )
    return own or last_started(svc.settings.shifts, now, tz)


def receiving_occurrence(svc: Services, occ: ShiftOccurrence, now: datetime) -> ShiftOccurrence:
    """Return the next shift after ``occ`` that has agents on duty and has not ended yet."""
    tz = svc.settings.timezone
    first = nxt = next_occurrence(svc.settings.shifts, occ, tz)
    for _ in range(LOOKAHEAD):
        if nxt.end(tz) > now and _agents_on(svc, nxt):
            return nxt
        nxt = next_occurrence(svc.settings.shifts, nxt, tz)
    while first.end(tz) <= now:  # nobody on duty anywhere: still never a shift in the past
        first = next_occurrence(svc.settings.shifts, first, tz)
    return first


def _agents_on(svc: Services, occ: ShiftOccurrence) -> list[Member]:
    return [m for m in svc.roster.on_duty(occ.day, occ.shift.key) if m.role is Role.AGENT]


def _on_shift(svc: Services, member: Member, key: str) -> bool:
    occ = occ_from_key(key, svc.settings.shifts)
    return occ is not None and svc.roster.shift_of(member, occ.day) == occ.shift.key


def _member_occurrence(svc: Services, member: Member, now: datetime) -> ShiftOccurrence | None:
    """Return the member's running shift, else their next one (None: no regular shift)."""
    tz = svc.settings.timezone
    shifts = svc.settings.shifts
    occ = last_started(shifts, now, tz)
    if svc.roster.shift_of(member, occ.day) == occ.shift.key and occ.end(tz) > now:
        return occ
    for _ in range(LOOKAHEAD * 2):
        occ = next_occurrence(shifts, occ, tz)
        if svc.roster.shift_of(member, occ.day) == occ.shift.key:
            return occ
    return None


# ---- timers -------------------------------------------------------------------------------


def _occ_timers(svc: Services, occ: ShiftOccurrence) -> list[tuple[str, datetime]]:
    tz = svc.settings.timezone
    cfg = _cfg(svc)
    return [
        ("handover:remind", reminder_at(occ, cfg.remind_before, tz)),
        ("handover:post", occ.start(tz)),
        ("handover:alert", occ.start(tz) + cfg.ack_alert_after),
        ("handover:rollover", occ.end(tz)),
    ]


def plan(svc: Services, start: datetime, end: datetime) -> None:
    """Store the per-shift timers falling in ``[start, end)`` (idempotent by key)."""
    tz = svc.settings.timezone
    for occ in occurrences_between(svc.settings.shifts, start - timedelta(days=2), end, tz):
        for kind, due in _occ_timers(svc, occ):
            if start <= due < end:
                svc.scheduler.at(
                    kind, due, key=f"{kind}:{occ_key(occ)}", payload={"occ": occ_key(occ)}
                )


def _ensure_timers(svc: Services, occ: ShiftOccurrence) -> None:
    """Make sure the future timers of a shift exist (items can target one not planned yet)."""
    now = svc.clock.now()
    for kind, due in _occ_timers(svc, occ):
        if due > now:
            svc.scheduler.at(
                kind, due, key=f"{kind}:{occ_key(occ)}", payload={"occ": occ_key(occ)}
            )


def _alert_later(svc: Services, key: str, due: datetime) -> None:
    """Add an alert check for items that reached a shift after its own alert time."""
    svc.scheduler.at(
        "handover:alert", due, key=f"handover:alert:{key}:{iso(due)}", payload={"occ": key}
    )


def _timer_occ(svc: Services, timer: Timer) -> ShiftOccurrence | None:
    return occ_from_key(str(timer.payload.get("occ", "")), svc.settings.shifts)


async def remind(svc: Services, timer: Timer, late: bool) -> None:
    """Remind the agents of a shift who wrote no handover yet, before the shift ends."""
    occ = _timer_occ(svc, timer)
    if occ is None:
        return
    key = occ_key(occ)
    written = _repo(svc).written(key)
    end = occ.end(svc.settings.timezone)
    text = (
        f"⏰ 交接提醒：{occ.shift.name} {end:%H:%M} 下班，请在下班前写好交接：\n"
        "/交接 事项（每行一项，急件加 !急，可写 订单号：… 客户：…）\n"
        "没有需要交接的请发送 /交接 无"
    )
    for member in _agents_on(svc, occ):
        if member.user_id not in written:
            svc.scheduler.notify(
                {"user": member.user_id},
                text,
                key=f"handover:remind:{key}:{member.user_id}",
                due=timer.due,  # sent after downtime, it is marked 【补发】
            )


async def post_due(svc: Services, timer: Timer, late: bool) -> None:
    """At a shift's login, post the open items addressed to it in the team chat."""
    occ = _timer_occ(svc, timer)
    if occ is None:
        return
    key = occ_key(occ)
    items = [i for i in _repo(svc).for_target(key) if i.posted_for != key]
    if not items:
        return  # nothing handed over, or already posted when written after login
    urgent = sum(i.urgent for i in items)
    rolled = sum(1 for i in items if i.rollovers)
    extra = "".join(
        [f"，急件 {urgent} 项" if urgent else "", f"，顺延 {rolled} 项" if rolled else ""]
    )
    header = (
        f"📋 交接班：{_label(svc, key)} 上班，共 {len(items)} 项交接待接收{extra}。\n"
        "请接班同事逐项点【已接收】，处理完点【已处理】"
        "（或发送 /handover done <编号> [说明]）。"
    )
    await post_items(svc, key, items, header)


async def post_items(svc: Services, key: str, items: list[Item], header: str | None) -> None:
    """Post items as cards with buttons in the team chat and remember the messages."""
    if header:
        await _send_group(svc, header)
    repo = _repo(svc)
    tz = svc.settings.timezone
    for item in sorted(items, key=lambda i: (not i.urgent, i.id)):
        message = await svc.messenger.to_chat(
            svc.settings.team_chat,
            fmt.card(item, tz, svc.settings.shifts, mask=True),
            buttons([item]),
        )
        if message is None:
            continue
        fresh = repo.get(item.id)  # re-read: a button may have been pressed while sending
        if fresh is None:
            continue
        old_cards = fresh.cards
        # Only the newest card stays live: editing every card ever posted at each rollover
        # grew without bound (an item open for a month had dozens) and floods the group.
        fresh.cards = [[message.chat_id, message.message_id]]
        fresh.posted_for = key
        repo.save(fresh)
        await _retire_cards(svc, fresh, old_cards)


async def _retire_cards(svc: Services, item: Item, cards: list[list[int]]) -> None:
    """Turn earlier cards of an item into a pointer to its newest one, without buttons."""
    tz = svc.settings.timezone
    text = (
        fmt.card(item, tz, svc.settings.shifts, mask=True) + "\n（已重新发出，请在最新消息中操作）"
    )
    for chat_id, message_id in cards:
        await svc.messenger.edit(chat_id, message_id, text)


async def _send_group(svc: Services, text: str) -> None:
    await svc.messenger.to_chat(svc.settings.team_chat, text)


async def alert(svc: Services, timer: Timer, late: bool) -> None:
    """Tell the lead, once, which items a shift has not acknowledged or carries over."""
    occ = _timer_occ(svc, timer)
    if occ is None:
        return
    key = occ_key(occ)
    now = svc.clock.now()
    repo = _repo(svc)
    items = [i for i in repo.for_target(key) if i.needs_alert(key, now)]
    if not items:
        return
    tz = svc.settings.timezone
    unacked = [i for i in items if not i.acked]
    rolled = [i for i in items if i.acked and i.rollovers]
    minutes = int(_cfg(svc).ack_alert_after.total_seconds() // 60)
    parts = [f"⚠️ 交接未接收提醒（{_label(svc, key)}）"]
    if unacked:
        parts.append(f"以下 {len(unacked)} 项超过 {minutes} 分钟仍无人接收：")
        parts.extend(fmt.brief(i, tz) for i in unacked)
    if rolled:
        parts.append(f"以下 {len(rolled)} 项是顺延过来的未完成事项：")
        parts.extend(fmt.brief(i, tz) for i in rolled)
    parts.append("请安排接班同事处理：/handover ack <编号> 或 /handover reassign <编号> <工号>")
    ids = ",".join(str(i.id) for i in items)
    svc.scheduler.notify(
        {"leads": occ.shift.key},
        "\n".join(parts),
        key=f"handover:alert:{key}:{ids}:{iso(now)}",
        due=timer.due,
    )
    for item in items:
        item.alerted_for = key
        repo.save(item)


async def rollover(svc: Services, timer: Timer, late: bool) -> None:
    """At a shift's end, hand its items still open on to the next shift (顺延)."""
    occ = _timer_occ(svc, timer)
    if occ is None:
        return
    key = occ_key(occ)
    repo = _repo(svc)
    now = svc.clock.now()
    tz = svc.settings.timezone
    items = [i for i in repo.for_target(key) if not i.done]
    if items:
        nxt = receiving_occurrence(svc, occ, now)
        target = occ_key(nxt)
        for item in items:  # all saved before the first await, so no press is overwritten
            item.roll_over(target, nxt.start(tz), now, _cfg(svc).ack_alert_after)
            repo.save(item)
        if nxt.start(tz) > now:
            for item in items:  # reposted at the next login; until then the cards say 顺延
                await refresh_cards(svc, item)
            _ensure_timers(svc, nxt)
        else:  # reposted now: retiring the old cards is their one edit
            header = (
                f"📋 {_label(svc, key)} 下班，{len(items)} 项交接未完成，"
                f"顺延给 {_label(svc, target)}，请接收："
            )
            await post_items(svc, target, items, header)
            _alert_later(svc, target, max(i.ack_due for i in items))
    repo.archive_written(occ.day - timedelta(days=3))


async def escalate(svc: Services, timer: Timer, late: bool) -> None:
    """Escalate an urgent item not done in time to the lead, once."""
    repo = _repo(svc)
    item = repo.get(int(timer.payload.get("id", 0)))
    if item is None or item.done or item.escalated:
        return
    occ = occ_from_key(item.to_occ, svc.settings.shifts)
    minutes = int(_cfg(svc).urgent_after.total_seconds() // 60)
    taken = f"，{item.acked_by} 已接收" if item.acked else "，尚无人接收"
    text = (
        f"🚨 急件超过 {minutes} 分钟未处理{taken}（交给 {_label(svc, item.to_occ)}）：\n"
        f"{fmt.brief(item, svc.settings.timezone)}"
    )
    svc.scheduler.notify(
        {"leads": occ.shift.key if occ else None},
        text,
        key=f"handover:urgent:{item.id}",
        due=timer.due,
    )
    item.escalated = True
    repo.save(item)


# ---- check-in ------------------------------------------------------------------------------


async def on_checkin(
    svc: Services, member: Member, occurrence: ShiftOccurrence, at: datetime, **_: Any
) -> None:
    """Send an agent who just checked in the items handed over to their shift."""
    key = occ_key(occurrence)
    items = [
        i
        for i in _repo(svc).for_target(key)
        if i.assignee_id in (None, member.user_id) and not i.done
    ]
    if not items:
        return
    tz = svc.settings.timezone
    lines = [f"📋 {member.name}，交给 {_label(svc, key)} 的交接共 {len(items)} 项，请逐项接收："]
    lines.extend(fmt.brief(i, tz, mask=False) for i in items)
    plain = "\n".join(fmt.brief(i, tz) for i in items)
    await svc.messenger.to_member(
        member,
        "\n".join(lines),
        buttons(items),
        group_text=f"交给 {_label(svc, key)} 的交接共 {len(items)} 项，请在群里点【已接收】"
        f"或发送 /handover ack <编号>：\n{plain}",
    )


# ---- buttons ---------------------------------------------------------------------------------


def buttons(items: list[Item]) -> Keyboard | None:
    """Return 已接收/已处理 buttons: one row for a card, one row per item in a list."""
    rows = []
    single = len(items) == 1
    for item in items:
        if item.done:
            continue
        row = []
        if not item.acked:
            text = "已接收" if single else f"接收 #{item.id}"
            row.append(Button(text, f"handover:ack:{item.id}"))
        text = "已处理" if single else f"处理 #{item.id}"
        row.append(Button(text, f"handover:done:{item.id}"))
        rows.append(row)
    return rows or None


async def on_button(update: Update, context: BotContext) -> None:
    """Acknowledge or close an item from its button; refuse people who may not."""
    query = update.callback_query
    svc = context.svc
    member = require_member(update, context)
    _, action, raw = query.data.split(":")
    number = int(raw)
    repo = _repo(svc)
    item = repo.get(number)
    if item is None:
        closed = repo.find_closed(number)
        if closed is None:
            await query.answer(f"找不到交接 #{number}。", show_alert=True)
            return
        await query.answer(f"#{number} 已由 {closed.done_by} 处理过了。")
        await _refresh_pressed(update, context)
        return
    try:
        text = _apply(svc, member, item, action, note="")
    except UserError as err:
        await query.answer(str(err), show_alert=True)
        return
    await query.answer(text)
    await refresh_cards(svc, item)
    await _refresh_pressed(update, context)


def _apply(svc: Services, member: Member, item: Item, action: str, note: str) -> str:
    """Acknowledge or close an item for ``member``; return a short confirmation."""
    now = svc.clock.now()
    on_shift = _on_shift(svc, member, item.to_occ)
    may = item.may_acknowledge(member, on_shift)
    if action == "ack":
        if not may:
            raise UserError(_refusal(svc, item))
        if not item.acknowledge(member.user_id, who(member), now):
            return f"#{item.id} 已由 {item.acked_by} 接收过了。"
        _repo(svc).save(item)
        return f"已接收 #{item.id}。"
    if not (may or member.user_id == item.author_id):
        raise UserError(_refusal(svc, item))
    item.close(member.user_id, who(member), now, note)
    _repo(svc).save(item)
    return f"已处理 #{item.id}。"


def _refusal(svc: Services, item: Item) -> str:
    if item.assignee:
        return f"#{item.id} 已转交给 {item.assignee}，只有本人或组长可以操作。"
    return f"#{item.id} 交给 {_label(svc, item.to_occ)}，只有接班同事、交接人或组长可以操作。"


async def refresh_cards(svc: Services, item: Item) -> None:
    """Show an item's new state on every card posted for it."""
    tz = svc.settings.timezone
    for chat_id, message_id in item.cards:
        await svc.messenger.edit(
            chat_id,
            message_id,
            fmt.card(item, tz, svc.settings.shifts, mask=chat_id < 0),
            buttons([item]),
        )


async def _refresh_pressed(update: Update, context: BotContext) -> None:
    """Re-render a private list message after one of its buttons was pressed."""
    query = update.callback_query
    message = query.message
    pressed = getattr(message, "reply_markup", None)
    if message is None or pressed is None:
        return
    numbers: list[int] = []
    for row in pressed.inline_keyboard:
        for button in row:
            number = int(str(button.callback_data).rsplit(":", 1)[1])
            if number not in numbers:
                numbers.append(number)
    if len(numbers) <= 1 and message.chat.type != "private":
        return  # a card in the group: refresh_cards already updated it
    svc = context.svc
    repo = _repo(svc)
    items = [i for n in numbers if (i := repo.get(n) or repo.find_closed(n)) is not None]
    if not items:
        return
    tz = svc.settings.timezone
    mask = message.chat.type != "private"
    text = "📋 交接事项：\n" + "\n".join(fmt.brief(i, tz, mask=mask) for i in items)
    try:
        await query.edit_message_text(text, reply_markup=markup(buttons(items)))
    except BadRequest as err:
        if "not modified" not in str(err).lower():
            log.info("could not update the pressed message: %s", err)


# ---- the command -----------------------------------------------------------------------------


async def handover_command(update: Update, context: BotContext) -> None:
    """Write items, say there is nothing, list, acknowledge, close, reassign, show history."""
    member = require_member(update, context)
    text = message_rest(update.effective_message)
    words = text.split()
    sub = SUBCOMMANDS.get(words[0].lower()) if words else "list"
    try:
        if sub == "list":
            await _list(update, context)
        elif sub == "help":
            await reply(update, USAGE)
        elif sub in ("done", "ack"):
            await _done_or_ack(update, context, member, sub, text)
        elif sub == "reassign":
            await _reassign(update, context, member, words[1:])
        elif sub == "history":
            await _history(update, context, words[1:])
        elif is_nothing(text):
            await _nothing(update, context, member)
        else:
            await _write(update, context, member, text)
    except UsageError as err:
        await reply(update, f"{err}\n\n{USAGE}")
    except UserError as err:
        await reply(update, str(err))


class UsageError(UserError):
    """Bad input: the reply adds the usage lines."""


def _number(text: str) -> int:
    cleaned = text.strip().lstrip("#＃").removesuffix("号")
    if not cleaned.isdigit():
        raise UsageError(f"编号应为数字（如 3 或 #3），收到 {text!r}。")
    return int(cleaned)


async def _write(update: Update, context: BotContext, member: Member, text: str) -> None:
    svc = context.svc
    cfg = _cfg(svc)
    try:
        drafts = parse_items(text, cfg.urgent_marks, cfg.max_items, cfg.max_length)
    except UserError as err:
        raise UsageError(str(err)) from None
    now = svc.clock.now()
    tz = svc.settings.timezone
    source = author_occurrence(svc, member, now)
    target = receiving_occurrence(svc, source, now)
    src, dst = occ_key(source), occ_key(target)
    login = target.start(tz)
    repo = _repo(svc)
    items = []
    for draft in drafts:
        item = Item(
            id=repo.next_id(),
            text=draft.text,
            author_id=member.user_id,
            author=who(member),
            from_occ=src,
            to_occ=dst,
            created_at=now,
            ack_due=ack_due(now, login, cfg.ack_alert_after),
            order_no=draft.order_no,
            customer=draft.customer,
            urgent=draft.urgent,
            urgent_due=max(now, login) + cfg.urgent_after if draft.urgent else None,
        )
        item.record("write", who(member), now, dst)
        repo.add(item)
        items.append(item)
        if item.urgent_due is not None:
            svc.scheduler.at(
                "handover:urgent",
                item.urgent_due,
                key=f"handover:urgent:{item.id}",
                payload={"id": item.id},
            )
    repo.mark_written(src, member.user_id, False, now)
    _ensure_timers(svc, target)
    mask = not is_private(update)
    started = login <= now
    lines = [f"📝 已记录 {len(items)} 项交接（{_label(svc, src)} → {_label(svc, dst)}）："]
    for item in items:
        lines.append(fmt.headline(item, mask))
        if fmt.details(item):
            lines.append(f"   {fmt.details(item)}")
    if started:
        lines.append(f"{target.shift.name}已上班，事项已发到团队群，请接班同事逐项接收。")
    else:
        lines.append(
            f"{target.shift.name} {login.astimezone(tz):%H:%M} 上班时会发到团队群，"
            "接班同事挂号后也会私信收到。"
        )
    if any(i.urgent for i in items):
        minutes = int(cfg.urgent_after.total_seconds() // 60)
        lines.append(f"急件在接班后 {minutes} 分钟内未处理会通知组长。")
    await reply(update, "\n".join(lines))
    if started:
        await post_items(svc, dst, items, None)
        _alert_later(svc, dst, max(i.ack_due for i in items))


async def _nothing(update: Update, context: BotContext, member: Member) -> None:
    svc = context.svc
    now = svc.clock.now()
    source = occ_key(author_occurrence(svc, member, now))
    repo = _repo(svc)
    if repo.written(source).get(member.user_id) is False:
        await reply(
            update,
            f"您在 {_label(svc, source)} 已写了交接事项，无需再登记“无”。发送 /handover 查看。",
        )
        return
    repo.mark_written(source, member.user_id, True, now)
    await reply(update, f"✅ 已登记：{who(member)} 在 {_label(svc, source)} 没有需要交接的事项。")


async def _list(update: Update, context: BotContext) -> None:
    svc = context.svc
    now = svc.clock.now()
    tz = svc.settings.timezone
    current = svc.roster.current(now) or last_started(svc.settings.shifts, now, tz)
    key = occ_key(current)
    items = _repo(svc).open_items()
    if not items:
        await reply(update, "目前没有未完成的交接事项。写交接：/handover <事项>")
        return
    mask = not is_private(update)
    following = occ_key(next_occurrence(svc.settings.shifts, current, tz))
    groups = [
        (f"交给本班（{_label(svc, key)}）的事项：", [i for i in items if i.to_occ == key]),
        (
            f"交给下一班（{_label(svc, following)}）的事项：",
            [i for i in items if i.to_occ == following],
        ),
    ]
    shown = {i.id for _, group in groups for i in group}
    groups.append(("其他未完成的事项：", [i for i in items if i.id not in shown]))
    lines = [f"📋 未完成的交接共 {len(items)} 项："]
    for title, group in groups:
        if group:
            lines.append(f"\n{title}")
            lines.extend(fmt.brief(i, tz, mask=mask) for i in group)
    lines.append("\n接收：/handover ack <编号>；处理：/handover done <编号> [说明]")
    await reply(update, "\n".join(lines))


async def _done_or_ack(
    update: Update, context: BotContext, member: Member, action: str, text: str
) -> None:
    svc = context.svc
    parts = text.split(maxsplit=2)
    if len(parts) < 2:
        raise UsageError("请写上事项编号。")
    if action == "ack":
        listed = text.split(maxsplit=1)[1]
        numbers = [_number(w) for w in re.split(r"[\s,，、]+", listed) if w]
        note = ""
    else:
        numbers = [_number(parts[1])]
        note = parts[2].strip() if len(parts) > 2 else ""
    repo = _repo(svc)
    answers = []
    for number in numbers:
        item = repo.get(number)
        if item is None:
            closed = repo.find_closed(number)
            if closed is None:
                answers.append(f"找不到交接 #{number}（发送 /handover 查看未完成的事项）。")
            else:
                answers.append(f"#{number} 已由 {closed.done_by} 处理过了，无需重复操作。")
            continue
        try:
            answers.append(_apply(svc, member, item, action, note))
        except UserError as err:
            answers.append(str(err))
            continue
        await refresh_cards(svc, item)
    await reply(update, "\n".join(answers))


async def _reassign(update: Update, context: BotContext, member: Member, args: list[str]) -> None:
    svc = context.svc
    if len(args) != 2:
        raise UsageError("转交需要编号和工号，例如 /handover reassign 3 5")
    number = _number(args[0])
    try:
        work_no = parse_work_no(args[1])
    except ValueError as err:
        raise UsageError(str(err)) from None
    repo = _repo(svc)
    item = repo.get(number)
    if item is None:
        closed = repo.find_closed(number)
        if closed is not None:
            raise UserError(f"#{number} 已由 {closed.done_by} 处理完毕，不能再转交。")
        raise UserError(f"找不到交接 #{number}（发送 /handover 查看未完成的事项）。")
    target = svc.members.by_work_no(work_no)
    if target is None:
        raise UserError(f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
    on_shift = _on_shift(svc, member, item.to_occ)
    if not (item.may_acknowledge(member, on_shift) or member.user_id == item.author_id):
        raise UserError(_refusal(svc, item))
    now = svc.clock.now()
    tz = svc.settings.timezone
    if _on_shift(svc, target, item.to_occ):
        occ = occ_from_key(item.to_occ, svc.settings.shifts)
    else:
        occ = _member_occurrence(svc, target, now) or occ_from_key(
            item.to_occ, svc.settings.shifts
        )
    if occ is None:
        raise UserError(f"#{number} 的班次已不在配置中，请重新写一条交接。")
    key = occ_key(occ)
    item.reassign(target, key, occ.start(tz), now, _cfg(svc).ack_alert_after, who(member))
    repo.save(item)
    await refresh_cards(svc, item)
    if occ.start(tz) <= now:
        _alert_later(svc, key, item.ack_due)
    else:
        _ensure_timers(svc, occ)
    svc.scheduler.notify(
        {"user": target.user_id},
        f"📋 {who(member)} 把交接 #{item.id} 转交给您（{_label(svc, key)}）：\n"
        f"{fmt.brief(item, tz)}\n接收请发送 /handover ack {item.id}",
        key=f"handover:reassign:{item.id}:{iso(now)}",
    )
    await reply(update, f"↪️ #{item.id} 已转交给 {who(target)}（{_label(svc, key)}），等待其接收。")


async def _history(update: Update, context: BotContext, args: list[str]) -> None:
    svc = context.svc
    if len(args) > 1:
        raise UsageError("history 后面只写一个日期，例如 /handover history 11-23")
    try:
        day = parse_day(args[0], svc.today(), past=True) if args else svc.today()
    except UserError as err:
        raise UsageError(str(err)) from None
    repo = _repo(svc)
    items = repo.written_on(day)
    nothing = repo.nothing_on(day) + repo.nothing_archived(day)
    if not items and not nothing:
        await reply(update, f"{day:%Y-%m-%d} 没有交接记录。")
        return
    tz = svc.settings.timezone
    mask = not is_private(update)
    lines = [f"📚 {day:%Y-%m-%d} 交接记录（共 {len(items)} 项）："]
    for source in sorted({i.from_occ for i in items}, key=_occ_sort(svc)):
        lines.append(f"\n【{_label(svc, source)}】")
        lines.extend(
            fmt.history_entry(i, tz, svc.settings.shifts, mask)
            for i in items
            if i.from_occ == source
        )
    seen: set[tuple[str, int]] = set()
    said = []
    for occ, member_id, at in sorted(nothing, key=lambda n: n[2]):
        if (occ, member_id) in seen:
            continue
        seen.add((occ, member_id))
        member = svc.members.get(member_id)
        name = who(member) if member else f"用户 {member_id}"
        said.append(f"{name}（{_label(svc, occ)}，{svc.local(at):%H:%M}）")
    if said:
        lines.append(f"\n登记“无交接”：{'、'.join(said)}")
    await reply(update, "\n".join(lines))


def _occ_sort(svc: Services) -> Any:
    tz = svc.settings.timezone

    def key(occ: str) -> tuple[int, str]:
        found = occ_from_key(occ, svc.settings.shifts)
        return (int(found.start(tz).timestamp()), occ) if found else (0, occ)

    return key
