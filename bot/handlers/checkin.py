"""Check-in screenshots (挂号), the duty roster and account coverage: Telegram glue.

The use cases live in ``bot.services.checkin`` (check-ins, reminders, the lead's summary,
attendance) and ``bot.services.roster`` (days off, swaps, account assignments).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.adapters.telegram_files import TelegramScreenshot, screenshot_in
from bot.domain.checkin import Recorded
from bot.domain.checkin_text import confirmation
from bot.domain.dates import parse_day, parse_month
from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member, Role
from bot.domain.roster_rules import LEAVE
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    add_button,
    add_command,
    args_of,
    reply,
    require_member,
    show_answer,
)
from bot.handlers.context import BotContext
from bot.services.container import Services
from bot.services.messenger import Posted

log = logging.getLogger(__name__)

TITLE = "挂号与排班"
COMMANDS: list[CommandSpec] = [
    CommandSpec(
        "checkin",
        "/checkin [账号…]",
        "挂号：发截图时说明写 /checkin 或 #挂号（可跟账号名），或回复自己的截图发 /checkin",
        where="group",
        aliases=("挂号",),
    ),
    CommandSpec(
        "duty",
        "/duty [日期] · /duty undo <工号> <日期>",
        "查看某天谁值班、各账号谁负责；undo 撤销请假/休息/换班（组长）",
        aliases=("值班",),
        subcommands={"undo": Role.LEAD, "撤销": Role.LEAD},
    ),
    CommandSpec(
        "off", "/off <工号> <日期> [请假|休息]", "登记请假或休息（默认请假）", min_role=Role.LEAD
    ),
    CommandSpec(
        "shift",
        "/shift <工号> <班次> [休息日…]",
        "设置成员的固定班次和每周休息日，当天生效",
        min_role=Role.LEAD,
        aliases=("排班",),
    ),
    CommandSpec(
        "swap",
        "/swap <对方工号> <日期> · /swap <工号A> <工号B> <日期>",
        "申请换班（对方点同意后生效）；组长可直接登记两人换班",
        aliases=("换班",),
    ),
    CommandSpec(
        "assign",
        "/assign <账号> <工号|默认>",
        "把账号分给某人负责（其当前或下一班）",
        min_role=Role.LEAD,
    ),
    CommandSpec("checkins", "/checkins [日期]", "查看某天各班次的挂号情况", min_role=Role.LEAD),
    CommandSpec(
        "attendance",
        "/attendance [YYYY-MM]",
        "月度考勤：准时、迟到、缺勤、请假与考勤分",
        min_role=Role.LEAD,
    ),
]

BUTTONS = [ButtonSpec(r"^roster:swap:\d+:(ok|no)$")]

CHECKIN_USAGE = (
    "用法：发送挂号截图（登录的账号和电脑时间都要拍到），图片说明写 /checkin 或 #挂号，"
    "可跟账号名，如 /checkin 天猫旗舰店 京东自营店；也可以回复自己的截图发 /checkin。"
)
OFF_USAGE = "用法：/off <工号> <日期> [请假|休息]，例如 /off 2 11-25 请假"
SWAP_USAGE = (
    "用法：/swap <对方工号> <日期>，例如 /swap 5 11-25（对方点“同意”后生效）；"
    "组长登记两人换班：/swap 2 5 11-25"
)
SHIFT_USAGE = (
    "用法：/shift <工号> <班次> [休息日…]，例如 /shift 7 白班 周六 周日；"
    "休息日可写 周一…周日 或 无，不写则保持原来的休息日"
)
ASSIGN_USAGE = (
    "用法：/assign <账号> <工号>，例如 /assign 官网客服 3；/assign 官网客服 默认 恢复默认"
)
DUTY_USAGE = "用法：/duty [日期]，例如 /duty 明天；撤销：/duty undo <工号> <日期>"
UNDO_USAGE = "用法：/duty undo <工号> <日期>，例如 /duty undo 2 11-25"
CHECKINS_USAGE = "用法：/checkins [日期]，例如 /checkins 昨天"
ATTENDANCE_USAGE = "用法：/attendance [YYYY-MM]，例如 /attendance 2026-11"
COMMAND_TRIGGERS = ("/checkin", "/挂号")


def register(app: Application, svc: Services) -> None:
    """Wire the checkin handlers and the check-in timers."""
    hashtag = svc.settings.checkin.hashtag
    image = filters.PHOTO | filters.Document.IMAGE
    caption = filters.CaptionRegex(
        rf"^(?:/checkin(?:@\S+)?|/挂号(?:@\S+)?|{re.escape(hashtag)})(?:\s|$)"
    )
    # An image captioned /checkin is not a command to PTB (it reads only text), so it gets
    # its own handler; it comes before the text command so neither sees the other's message.
    app.add_handler(MessageHandler(image & caption, image_checkin))
    app.add_handler(MessageHandler(caption, image_checkin))  # a video or PDF: explain
    app.add_handler(CommandHandler("checkin", text_checkin))
    text = rf"^(?:/挂号(?:@\S+)?|{re.escape(hashtag)})(?:\s|$)"
    app.add_handler(MessageHandler(filters.TEXT & filters.Regex(text), text_checkin))
    handlers = {
        "duty": duty,
        "off": off,
        "shift": shift,
        "swap": swap,
        "assign": assign,
        "checkins": checkins,
        "attendance": attendance,
    }
    for spec in COMMANDS[1:]:
        add_command(app, spec, handlers[spec.name])
    add_button(app, BUTTONS[0], swap_answer)


# ---- check-in ----


def _names_after_trigger(text: str, hashtag: str) -> str:
    """Return what follows /checkin, /挂号 or the hashtag."""
    head, _, rest = text.strip().partition(" ")
    if head.split("@")[0] in COMMAND_TRIGGERS or head == hashtag:
        return rest
    return text.strip().removeprefix(hashtag)


async def image_checkin(update: Update, context: BotContext) -> None:
    """Record a check-in from a photo (or image file) captioned /checkin or #挂号."""
    message = update.effective_message
    member = require_member(update, context)
    shot = screenshot_in(message, context.bot)
    names = _names_after_trigger(message.caption or "", context.svc.settings.checkin.hashtag)
    await _record(update, context, member, shot, names)


async def text_checkin(update: Update, context: BotContext) -> None:
    """Record a check-in from /checkin or #挂号 replying to one's own photo; explain otherwise."""
    message = update.effective_message
    member = require_member(update, context)
    target = message.reply_to_message
    shot = screenshot_in(target, context.bot) if target is not None else None
    if shot is None:
        await reply(update, f"没有收到截图，本次未记录。\n{CHECKIN_USAGE}")
        return
    if target.from_user is None or target.from_user.id != member.user_id:
        await reply(update, "只能回复您自己发的截图来挂号，本次未记录。")
        return
    names = _names_after_trigger(message.text or "", context.svc.settings.checkin.hashtag)
    # the /checkin message's own date counts, so an old photo cannot make a late check-in on time
    await _record(update, context, member, shot, names)


async def _record(
    update: Update,
    context: BotContext,
    member: Member,
    shot: TelegramScreenshot | None,
    names: str,
) -> None:
    """Hand a check-in from the team chat to the service; confirm it in the chat."""
    svc, message = context.svc, update.effective_message
    if update.effective_chat is None or update.effective_chat.id not in svc.settings.team_chats:
        await reply(update, "挂号截图请发到团队群，这里不记录。")
        return
    if shot is None:
        await reply(update, f"没有收到截图，本次未记录。\n{CHECKIN_USAGE}")
        return

    async def confirm(recorded: Recorded) -> Posted | None:
        try:
            sent = await message.reply_text(confirmation(recorded, svc.settings.timezone))
        except TelegramError as err:  # the check-in and its alerts are stored already
            log.warning("the check-in confirmation could not be sent: %s", err)
            return None
        return Posted(sent.chat_id, sent.message_id)  # the screenshot's reading edits it

    try:
        await svc.checkin.record(member, shot, message.date, names, confirm)
    except UserError as err:
        await reply(update, f"{err}\n本次未记录。")


# ---- roster changes and views: one service call each ----


async def _answer(
    update: Update,
    usage: str,
    args: list[str],
    counts: tuple[int, ...],
    use_case: Callable[[list[str]], str],
) -> None:
    """Reply with what a use case makes of the arguments, or with the usage line."""
    if len(args) not in counts:
        await reply(update, usage)
        return
    try:
        text = use_case(args)
    except Refusal as err:
        text = str(err)
    except UserError as err:
        text = f"{err}\n{usage}"
    await reply(update, text)


def _day(args: list[str], svc: Services) -> date:
    """Return the date argument, today without one; raise UserError."""
    return parse_day(args[0], svc.today()) if args else svc.today()


async def off(update: Update, context: BotContext) -> None:
    """Mark a member off (请假 or 休息) on a date."""
    svc, lead, now = context.svc, require_member(update, context), context.svc.clock.now()

    def take_off(args: list[str]) -> str:
        kind = args[2] if len(args) == 3 else LEAVE
        return svc.roster.take_off(args[0], args[1], kind, lead, now)

    await _answer(update, OFF_USAGE, args_of(update.effective_message), (2, 3), take_off)


async def shift(update: Update, context: BotContext) -> None:
    """Set a member's regular shift and weekly rest days (lead)."""
    svc, lead, now = context.svc, require_member(update, context), context.svc.clock.now()
    await _answer(
        update,
        SHIFT_USAGE,
        args_of(update.effective_message),
        tuple(range(2, 10)),  # 工号, 班次 and up to seven rest days
        lambda a: svc.roster.set_regular(a[0], a[1], a[2:], lead, now),
    )


async def swap(update: Update, context: BotContext) -> None:
    """Ask a colleague to swap shifts on a date; a lead may record two members' swap at once."""
    svc, member, now = context.svc, require_member(update, context), context.svc.clock.now()
    args = args_of(update.effective_message)
    if len(args) == 3:
        await _answer(
            update, SWAP_USAGE, args, (3,), lambda a: svc.roster.swap_shifts(*a, member, now)
        )
        return
    if len(args) != 2:
        await reply(update, SWAP_USAGE)
        return
    try:
        asked = svc.roster.ask_swap(member, args[0], args[1], now)
    except UserError as err:
        await reply(update, f"{err}\n{SWAP_USAGE}")
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("同意", callback_data=f"roster:swap:{asked.request_id}:ok"),
                InlineKeyboardButton("拒绝", callback_data=f"roster:swap:{asked.request_id}:no"),
            ]
        ]
    )
    await reply(update, asked.text, reply_markup=buttons)


async def swap_answer(update: Update, context: BotContext) -> None:
    """Apply 同意 / 拒绝 on a swap request: the partner or a lead agrees."""
    query = update.callback_query
    member = require_member(update, context)
    _, _, raw_id, verdict = query.data.split(":")
    answered = context.svc.roster.answer_swap(
        int(raw_id), member, verdict == "ok", context.svc.clock.now()
    )
    await show_answer(query, answered)


async def assign(update: Update, context: BotContext) -> None:
    """Give an account to a member for their current or next shift (or back to default)."""
    svc, lead, now = context.svc, require_member(update, context), context.svc.clock.now()
    args = args_of(update.effective_message)
    await _answer(
        update, ASSIGN_USAGE, args, (2,), lambda a: svc.roster.give_account(*a, lead, now)
    )


async def duty(update: Update, context: BotContext) -> None:
    """Show who is on which shift on a date and who covers each account; or /duty undo."""
    svc, now = context.svc, context.svc.clock.now()
    args = args_of(update.effective_message)
    if args and args[0].lower() in ("undo", "撤销"):
        await _answer(update, UNDO_USAGE, args[1:], (2,), lambda a: svc.roster.undo(*a, now))
        return
    await _answer(update, DUTY_USAGE, args, (0, 1), lambda a: svc.roster.duty_text(_day(a, svc)))


async def checkins(update: Update, context: BotContext) -> None:
    """Show a date's check-ins per shift (lead)."""
    svc, now = context.svc, context.svc.clock.now()
    args = args_of(update.effective_message)
    await _answer(
        update, CHECKINS_USAGE, args, (0, 1), lambda a: svc.checkin.day_text(_day(a, svc), now)
    )


async def attendance(update: Update, context: BotContext) -> None:
    """Show each agent's month: duty days, on time, late, missing, leave, KPI points (lead)."""
    svc, today, now = context.svc, context.svc.today(), context.svc.clock.now()

    def table(args: list[str]) -> str:
        year, month = parse_month(args[0], today) if args else (today.year, today.month)
        return svc.checkin.attendance_text(year, month, now)

    await _answer(update, ATTENDANCE_USAGE, args_of(update.effective_message), (0, 1), table)
