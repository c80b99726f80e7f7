"""Shift handover (交接班): /handover and the 已接收/已处理 buttons, as Telegram glue.

The use cases and the handover timers live in ``bot.services.handover``.
"""

from __future__ import annotations

import re
from datetime import date

from telegram import Update
from telegram.ext import Application

from bot.delivery import markup
from bot.domain.dates import parse_day
from bot.domain.errors import UserError
from bot.domain.handover import Draft, is_nothing, parse_items
from bot.domain.members import parse_work_no
from bot.domain.numbers import half_width, read_number
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    add_button,
    add_command,
    answer_query,
    edit_query,
    is_private,
    reply,
    require_member,
)
from bot.handlers.common import rest_text as message_rest
from bot.handlers.context import BotContext
from bot.services.container import Services
from bot.services.handover import HandoverService

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
    "/handover ack <编号> — 接收（也可点【已接收】或清单里的【接收 #编号】）\n"
    "/handover done <编号> [说明] — 处理完毕（也可点【已处理】或【处理 #编号】）\n"
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


def register(app: Application, svc: Services) -> None:
    """Wire the handover command, buttons, timers, planner and the check-in listener."""
    add_command(app, COMMANDS[0], handover_command)
    add_button(app, BUTTONS[0], on_button)


class UsageError(UserError):
    """Bad input: the reply adds the usage lines."""


async def handover_command(update: Update, context: BotContext) -> None:
    """Write items, say there is nothing, list, acknowledge, close, reassign, show history."""
    member = require_member(update, context)
    text = message_rest(update.effective_message)
    words = text.split()
    sub = SUBCOMMANDS.get(words[0].lower()) if words else "list"
    svc = context.svc
    handover = svc.handover
    now = svc.clock.now()
    mask = not is_private(update)
    try:
        if sub == "list":
            await reply(update, handover.open_list(now, mask))
        elif sub == "help":
            await reply(update, USAGE)
        elif sub in ("done", "ack"):
            numbers, note = _numbers_and_note(sub, text)
            await reply(update, await handover.take(member, sub, numbers, note, now))
        elif sub == "reassign":
            number, work_no = _reassign_args(words[1:])
            await reply(update, await handover.reassign(member, number, work_no, now))
        elif sub == "history":
            await reply(update, handover.history(_day(words[1:], svc), mask))
        elif is_nothing(text):
            await reply(update, handover.nothing(member, now))
        else:
            written = handover.write(member, _drafts(text, svc), now, mask)
            await reply(update, written.text)
            await handover.announce(written)  # the cards follow the confirmation
    except UsageError as err:
        await reply(update, f"{err}\n\n{USAGE}")
    except UserError as err:
        await reply(update, str(err))


def _number(text: str) -> int:
    """Return an item number written as ``3``, ``#3`` or ``3号``."""
    number = read_number(half_width(text.strip()).lstrip("#").removesuffix("号"))
    if number is None:
        raise UsageError(f"编号应为数字（如 3 或 #3），收到「{text.strip()[:20]}」。")
    return number


def _numbers_and_note(action: str, text: str) -> tuple[list[int], str]:
    """Return the item numbers (several for ack) and the closing note (done only)."""
    parts = text.split(maxsplit=2)
    if len(parts) < 2:
        raise UsageError("请写上事项编号。")
    if action == "ack":
        listed = text.split(maxsplit=1)[1]
        return [_number(w) for w in re.split(r"[\s,，、]+", listed) if w], ""
    return [_number(parts[1])], parts[2].strip() if len(parts) > 2 else ""


def _reassign_args(args: list[str]) -> tuple[int, str]:
    """Return the item number and the work number of ``reassign <编号> <工号>``."""
    if len(args) != 2:
        raise UsageError("转交需要编号和工号，例如 /handover reassign 3 5")
    number = _number(args[0])
    try:
        return number, parse_work_no(args[1])
    except ValueError as err:
        raise UsageError(str(err)) from None


def _day(args: list[str], svc: Services) -> date:
    """Return the day ``history [日期]`` asks for (today without one)."""
    if len(args) > 1:
        raise UsageError("history 后面只写一个日期，例如 /handover history 11-23")
    try:
        return parse_day(args[0], svc.today(), past=True) if args else svc.today()
    except UserError as err:
        raise UsageError(str(err)) from None


def _drafts(text: str, svc: Services) -> list[Draft]:
    """Return the items of a ``/handover`` message, parsed by the team's limits."""
    conf = svc.settings.handover
    try:
        return parse_items(text, conf.urgent_marks, conf.max_items, conf.max_length)
    except UserError as err:
        raise UsageError(str(err)) from None


async def on_button(update: Update, context: BotContext) -> None:
    """Acknowledge or close an item from its button; refuse people who may not."""
    query = update.callback_query
    member = require_member(update, context)
    _, action, raw = query.data.split(":")
    handover = context.svc.handover
    pressed = handover.press(member, action, int(raw), context.svc.clock.now())
    await answer_query(query, pressed.answer, pressed.alert)
    if pressed.changed is None:
        return
    await handover.refresh_cards(pressed.changed)
    message = query.message
    if message is not None and [message.chat.id, message.message_id] not in pressed.changed.cards:
        await _refresh_pressed(update, handover)  # a private list: not one of its posts


async def _refresh_pressed(update: Update, handover: HandoverService) -> None:
    """Re-render a list message sent to one agent after one of its buttons was pressed."""
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
    listed = handover.pressed_list(numbers, mask=message.chat.type != "private")
    if listed is None:
        return
    text, keyboard = listed
    await edit_query(query, text, markup(keyboard))
