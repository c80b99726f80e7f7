"""Check-in screenshots (挂号), the duty roster and account coverage, with alerts to leads."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from functools import partial

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.config.checkin import CheckinSettings
from bot.domain.checkin import (
    Checkin,
    Image,
    Status,
    attendance_score,
    fmt_day,
    place_checkin,
    split_names,
)
from bot.domain.checkin_report import AttendanceRow, ShiftReport, attendance_text, summary_text
from bot.domain.dates import parse_day, parse_month
from bot.domain.errors import UserError
from bot.domain.members import Member, Role, parse_work_no
from bot.domain.roster_rules import LEAVE, OFF_KINDS
from bot.domain.shifts import ShiftOccurrence, occurrences_between
from bot.domain.times import fmt_hhmm
from bot.handlers.common import CommandSpec, add_command, args_of, reply, require_member
from bot.handlers.context import BotContext
from bot.persistence.checkin import CheckinRepo
from bot.persistence.timers import Timer
from bot.screenshots import difference_hash, download, image_name, prune_images, save_image
from bot.services.container import Services

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
        "swap", "/swap <工号A> <工号B> <日期>", "登记换班（双方已同意）", min_role=Role.LEAD
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

CHECKIN_USAGE = (
    "用法：发送挂号截图（登录的账号和电脑时间都要拍到），图片说明写 /checkin 或 #挂号，"
    "可跟账号名，如 /checkin 天猫旗舰店 京东自营店；也可以回复自己的截图发 /checkin。"
)
OFF_USAGE = "用法：/off <工号> <日期> [请假|休息]，例如 /off 2 11-25 请假"
SWAP_USAGE = "用法：/swap <工号A> <工号B> <日期>，例如 /swap 2 5 11-25（双方已同意）"
ASSIGN_USAGE = (
    "用法：/assign <账号> <工号>，例如 /assign 官网客服 3；/assign 官网客服 默认 恢复默认"
)
RESET_WORDS = ("默认", "default", "-")
COMMAND_TRIGGERS = ("/checkin", "/挂号")


def settings_of(svc: Services) -> CheckinSettings:
    """Return the [checkin] settings."""
    return svc.settings.checkin


def repo_of(svc: Services) -> CheckinRepo:
    """Return the check-in repository (one per application)."""
    return svc.checkin.repo


def register(app: Application, svc: Services) -> None:
    """Wire the checkin handlers, timers and planners."""
    hashtag = settings_of(svc).hashtag
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
        "swap": swap,
        "assign": assign,
        "checkins": checkins,
        "attendance": attendance,
    }
    for spec in COMMANDS[1:]:
        add_command(app, spec, handlers[spec.name])
    svc.scheduler.on("checkin:remind", partial(remind_at_login, svc))
    svc.scheduler.on("checkin:summary", partial(summarize, svc))
    svc.scheduler.on("checkin:maintain", partial(maintain, svc))
    svc.scheduler.add_planner(partial(plan, svc))


# ---- check-in ----


def _image_of(message: Message) -> tuple[str, str] | None:
    """Return (file id, unique id) of the photo or image file in a message."""
    if message.photo:
        biggest = message.photo[-1]
        return biggest.file_id, biggest.file_unique_id
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id, document.file_unique_id
    return None


def _names_after_trigger(text: str, hashtag: str) -> str:
    """Return what follows /checkin, /挂号 or the hashtag."""
    head, _, rest = text.strip().partition(" ")
    if head.split("@")[0] in COMMAND_TRIGGERS or head == hashtag:
        return rest
    return text.strip().removeprefix(hashtag)


async def image_checkin(update: Update, context: BotContext) -> None:
    """Record a check-in from a photo (or image file) captioned /checkin or #挂号."""
    message = update.effective_message
    svc = context.svc
    member = require_member(update, context)
    image = _image_of(message)
    names = _names_after_trigger(message.caption or "", settings_of(svc).hashtag)
    await record(update, context, member, image, message.date, names)


async def text_checkin(update: Update, context: BotContext) -> None:
    """Record a check-in from /checkin or #挂号 replying to one's own photo; explain otherwise."""
    message = update.effective_message
    member = require_member(update, context)
    target = message.reply_to_message
    image = _image_of(target) if target is not None else None
    if image is None:
        await reply(update, f"没有收到截图，本次未记录。\n{CHECKIN_USAGE}")
        return
    if target.from_user is None or target.from_user.id != member.user_id:
        await reply(update, "只能回复您自己发的截图来挂号，本次未记录。")
        return
    names = _names_after_trigger(message.text or "", settings_of(context.svc).hashtag)
    # the /checkin message's own date counts, so an old photo cannot make a late check-in on time
    await record(update, context, member, image, message.date, names)


def resolve_accounts(svc: Services, text: str) -> list[str]:
    """Turn the names an agent or lead typed into account names; raise UserError on an unknown."""
    accounts = svc.roster.accounts()
    result: list[str] = []
    for name in split_names(text):
        found = resolve_account(svc, name)
        if found is None:
            raise UserError(f"没有账号 {name!r}。可用账号：{'、'.join(accounts)}")
        for account in found:
            if account not in result:
                result.append(account)
    return result


def resolve_account(svc: Services, name: str) -> list[str] | None:
    """Return the accounts a name means: an exact account, a platform, or a unique part."""
    accounts = svc.roster.accounts()
    if name in accounts:
        return [name]
    for platform in svc.settings.platforms:
        if name in (platform.name, platform.key):
            return list(platform.accounts)
    partial = [a for a in accounts if name.lower() in a.lower()]
    return partial if len(partial) == 1 else None


async def record(
    update: Update,
    context: BotContext,
    member: Member,
    image_ids: tuple[str, str] | None,
    moment: datetime,
    names: str,
) -> None:
    """Place, check and store a check-in; confirm in the group; tell the lead what matters."""
    svc = context.svc
    settings = settings_of(svc)
    if update.effective_chat is None or update.effective_chat.id not in svc.settings.team_chats:
        await reply(update, "挂号截图请发到团队群，这里不记录。")
        return
    if image_ids is None:
        await reply(update, f"没有收到截图，本次未记录。\n{CHECKIN_USAGE}")
        return
    try:
        named = resolve_accounts(svc, names)
        placement = place_checkin(
            svc.settings.shifts,
            lambda day: svc.roster.shift_of(member, day),
            moment,
            svc.settings.timezone,
            timedelta(minutes=settings.early_minutes),
        )
    except UserError as err:
        await reply(update, f"{err}\n本次未记录。")
        return
    occurrence = placement.occurrence
    day, shift_key = occurrence.day, occurrence.shift.key
    repo = repo_of(svc)
    existing = repo.get(day, shift_key, member.work_no)
    image = await _fetch(context, svc, image_ids, moment, occurrence, member)
    match = repo.find_reuse(image, (day, shift_key, member.work_no), settings.duplicate_distance)
    if named:
        for account in named:
            svc.roster.assign(account, member, occurrence, member, moment, source="checkin")
        accounts = tuple(named)
    else:
        accounts = tuple(svc.roster.accounts_of(member, occurrence))
    if existing is None:
        checkin = Checkin(
            day=day,
            shift=shift_key,
            work_no=member.work_no,
            name=member.name,
            at=moment,
            status=placement.status,
            late_minutes=placement.late_minutes,
        )
    else:
        checkin = existing  # the first check-in's time and status stand; accounts are replaced
    checkin.accounts = accounts
    checkin.images.append(image)
    reuse_note = None
    if match is not None:
        reuse_note = (
            f"与 {fmt_day(match.day)} {_shift_name(svc, match.shift)} "
            f"{match.work_no}号 {match.name} 的截图{match.how}"
        )
        checkin.duplicates.append(reuse_note)
    repo.save(checkin)
    await reply(update, _confirmation(svc, member, checkin, occurrence, image, existing))
    if existing is None:
        await svc.events.emit("checkin.recorded", member=member, occurrence=occurrence, at=moment)
    _alert_after_summary(svc, member, checkin, occurrence, reuse_note, image)


async def _fetch(
    context: BotContext,
    svc: Services,
    ids: tuple[str, str],
    moment: datetime,
    occurrence: ShiftOccurrence,
    member: Member,
) -> Image:
    """Download, hash and archive a screenshot; a failure is noted, never raised."""
    file_id, unique_id = ids
    image = Image(file_id=file_id, unique_id=unique_id, at=moment)
    data, problem = await download(context.bot, file_id)
    if data is None:
        image.problem = problem
        return image
    try:
        image.phash = difference_hash(data)
    except ValueError as err:
        image.problem = str(err)
    if settings_of(svc).archive_images:
        name = image_name(occurrence.day, occurrence.shift.key, member.work_no, unique_id, data)
        try:
            image.path = save_image(svc.store.root, occurrence.day, name, data)
        except OSError as err:
            log.warning("could not archive check-in image %s: %s", name, err)
    return image


def _shift_name(svc: Services, key: str) -> str:
    shift = svc.settings.shift(key)
    return shift.name if shift else key


def _confirmation(
    svc: Services,
    member: Member,
    checkin: Checkin,
    occurrence: ShiftOccurrence,
    image: Image,
    existing: Checkin | None,
) -> str:
    local = svc.local(image.at)
    accounts = (
        "、".join(checkin.accounts) if checkin.accounts else "无（未分配账号，请联系组长 /assign）"
    )
    head = "🔄 已更新挂号" if existing else "✅ 已挂号"
    text = (
        f"{head}：{member.display} · {fmt_day(occurrence.day)} {occurrence.shift.name} · "
        f"{local:%H:%M} · {checkin.label} · 账号：{accounts}"
    )
    if existing:
        text += f"（首次挂号 {svc.local(checkin.at):%H:%M}，截图共 {len(checkin.images)} 张）"
    if image.problem:
        text += "\n注意：截图未能下载，已记录，但无法查重。"
    return text


def _alert_after_summary(
    svc: Services,
    member: Member,
    checkin: Checkin,
    occurrence: ShiftOccurrence,
    reuse_note: str | None,
    image: Image,
) -> None:
    """Tell the lead at once about what the summary, already sent, could not include."""
    day, key = occurrence.day.isoformat(), occurrence.shift.key
    if not repo_of(svc).summarized(occurrence.day, key):
        return
    head = f"{member.display} {fmt_day(occurrence.day)} {occurrence.shift.name}"
    local = svc.local(image.at)
    if checkin.status is not Status.ON_TIME and settings_of(svc).report_late:
        svc.scheduler.notify(
            {"leads": key},
            f"⏰ {head} {local:%H:%M} 挂号，{checkin.label}。",
            key=f"checkin:late:{day}:{key}:{member.work_no}",
        )
    if reuse_note is not None:
        svc.scheduler.notify(
            {"leads": key},
            f"🔁 疑似重复截图：{head} {local:%H:%M} 的挂号截图{reuse_note}。",
            key=f"checkin:reuse:{day}:{key}:{member.work_no}:{image.unique_id}",
        )


# ---- roster changes ----


def _member_arg(svc: Services, text: str) -> Member:
    """Return the member with this 工号; raise UserError."""
    try:
        work_no = parse_work_no(text)
    except ValueError as err:
        raise UserError(str(err)) from None
    member = svc.members.by_work_no(work_no)
    if member is None:
        raise UserError(f"没有工号为 {work_no} 的成员（/team 查看成员）")
    return member


async def off(update: Update, context: BotContext) -> None:
    """Mark a member off (请假 or 休息) on a date."""
    svc = context.svc
    lead = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) not in (2, 3):
        await reply(update, OFF_USAGE)
        return
    kind = args[2] if len(args) == 3 else LEAVE
    try:
        member = _member_arg(svc, args[0])
        day = parse_day(args[1], svc.today())
        if kind not in OFF_KINDS:
            raise UserError(f"类型应为 请假 或 休息，收到 {kind!r}")
    except UserError as err:
        await reply(update, f"{err}\n{OFF_USAGE}")
        return
    already = any(o.work_no == member.work_no for o in svc.roster.repo.offs(day))
    if svc.roster.shift_of(member, day) is None and not already:
        await reply(update, f"{member.display} {fmt_day(day)} 本来就不上班，无需登记。")
        return
    svc.roster.mark_off(member, day, kind, lead, svc.clock.now())
    cost = "（计入考勤扣分）" if kind == LEAVE else ""
    await reply(
        update,
        f"已登记：{member.display} {fmt_day(day)} {kind}{cost}。"
        f"撤销请用 /duty undo {member.work_no} {day.isoformat()}",
    )


async def swap(update: Update, context: BotContext) -> None:
    """Swap two members' shifts on a date (both agreed)."""
    svc = context.svc
    lead = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 3:
        await reply(update, SWAP_USAGE)
        return
    try:
        first = _member_arg(svc, args[0])
        second = _member_arg(svc, args[1])
        day = parse_day(args[2], svc.today())
        if first.work_no == second.work_no:
            raise UserError("不能和自己换班")
        for m in (first, second):
            if svc.roster.partner(m.work_no, day) is not None:
                raise UserError(
                    f"{m.display} {fmt_day(day)} 已有换班，请先 /duty undo {m.work_no} {day}"
                )
        shift_a = svc.roster.shift_of(first, day)
        shift_b = svc.roster.shift_of(second, day)
        if shift_a == shift_b:
            raise UserError(f"两人 {fmt_day(day)} 都是{_shift_word(svc, shift_a)}，换班没有变化")
    except UserError as err:
        await reply(update, f"{err}\n{SWAP_USAGE}")
        return
    svc.roster.swap(first, second, day, lead, svc.clock.now())
    await reply(
        update,
        f"已登记换班 {fmt_day(day)}：{first.display} 改上{_shift_word(svc, shift_b)}，"
        f"{second.display} 改上{_shift_word(svc, shift_a)}。"
        f"撤销请用 /duty undo {first.work_no} {day.isoformat()}",
    )


def _shift_word(svc: Services, key: str | None) -> str:
    return _shift_name(svc, key) if key else "休息"


async def undo(update: Update, context: BotContext, args: list[str]) -> None:
    """Drop the day off / leave / swap of a member on a date (/duty undo)."""
    svc = context.svc
    require_member(update, context)
    usage = "用法：/duty undo <工号> <日期>，例如 /duty undo 2 11-25"
    if len(args) != 2:
        await reply(update, usage)
        return
    try:
        member = _member_arg(svc, args[0])
        day = parse_day(args[1], svc.today())
    except UserError as err:
        await reply(update, f"{err}\n{usage}")
        return
    dropped = svc.roster.undo(member, day)
    if not dropped:
        await reply(update, f"{member.display} {fmt_day(day)} 没有登记请假、休息或换班。")
        return
    await reply(update, f"已撤销 {member.display} {fmt_day(day)} 的{'、'.join(dropped)}。")


async def assign(update: Update, context: BotContext) -> None:
    """Give an account to a member for their current or next shift (or back to default)."""
    svc = context.svc
    lead = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 2:
        await reply(update, ASSIGN_USAGE)
        return
    found = resolve_account(svc, args[0])
    if found is None or len(found) != 1:
        hint = f"“{args[0]}”对应多个账号：{'、'.join(found)}" if found else f"没有账号 {args[0]!r}"
        await reply(
            update, f"{hint}。可用账号：{'、'.join(svc.roster.accounts())}\n{ASSIGN_USAGE}"
        )
        return
    account = found[0]
    now = svc.clock.now()
    if args[1].lower() in RESET_WORDS:
        await _reset_assignment(update, svc, account, lead, now)
        return
    try:
        member = _member_arg(svc, args[1])
    except UserError as err:
        await reply(update, f"{err}\n{ASSIGN_USAGE}")
        return
    occurrence = svc.roster.next_occurrence_of(member, now)
    if occurrence is None:
        await reply(update, f"{member.display} 近一周没有排班，无法分配账号。")
        return
    before = svc.roster.coverage(occurrence).get(account)
    svc.roster.assign(account, member, occurrence, lead, now)
    was = f"（原由 {before.display} 负责）" if before and before.work_no != member.work_no else ""
    await reply(
        update,
        f"已将 {account} 分给 {member.display}：{fmt_day(occurrence.day)} "
        f"{occurrence.shift.label()}{was}。",
    )


async def _reset_assignment(
    update: Update, svc: Services, account: str, lead: Member, now: datetime
) -> None:
    running = svc.roster.running(now) or [svc.roster.current(now)]
    occurrence = running[0]
    if occurrence is None:
        await reply(update, "现在不在任何班次内，无需恢复默认。")
        return
    svc.roster.assign(account, None, occurrence, lead, now)
    holder = svc.roster.coverage(occurrence).get(account)
    who = holder.display if holder else "无人负责"
    await reply(
        update,
        f"已恢复 {account} 的默认分配"
        f"（{fmt_day(occurrence.day)} {occurrence.shift.name}）：{who}。",
    )


# ---- timers ----


def plan(svc: Services, start: datetime, end: datetime) -> None:
    """Store the login reminder and deadline summary of every shift occurrence in the window.

    Each timer is stored in the window holding its due time, so a bot first started between
    a shift's login and its deadline still sends that shift's summary.
    """
    settings = settings_of(svc)
    tz = svc.settings.timezone
    shifts = svc.settings.shifts
    for occurrence in occurrences_between(shifts, start - timedelta(days=1), end, tz):
        tag = f"{occurrence.day.isoformat()}:{occurrence.shift.key}"
        payload = {"day": occurrence.day.isoformat(), "shift": occurrence.shift.key}
        timers = [("checkin:summary", occurrence.deadline(tz))]
        if settings.remind_at_login:
            timers.append(("checkin:remind", occurrence.start(tz)))
        for kind, due in timers:
            if start <= due < end:
                key = f"{kind}:{tag}"
                svc.scheduler.at(kind, due, key=key, payload=payload)
    day = start.astimezone(tz).date()
    while day <= end.astimezone(tz).date():
        due = datetime.combine(day, settings.maintenance_at, tzinfo=tz)
        if start <= due < end:
            svc.scheduler.at("checkin:maintain", due, key=f"checkin:maintain:{day.isoformat()}")
        day += timedelta(days=1)


def _occurrence(svc: Services, timer: Timer) -> ShiftOccurrence | None:
    shift = svc.settings.shift(timer.payload.get("shift", ""))
    if shift is None:
        return None  # the shift was removed from settings since the timer was stored
    return ShiftOccurrence(shift, date.fromisoformat(timer.payload["day"]))


async def remind_at_login(svc: Services, timer: Timer, late: bool) -> None:
    """Remind on-duty agents who have not checked in yet that their shift starts."""
    occurrence = _occurrence(svc, timer)
    if occurrence is None:
        return
    tz = svc.settings.timezone
    day, key = occurrence.day, occurrence.shift.key
    if repo_of(svc).summarized(day, key) or svc.clock.now() >= occurrence.deadline(tz):
        return  # the deadline passed while the bot was down: the summary says it all
    done = {c.work_no for c in repo_of(svc).for_occurrence(day, key)}
    deadline = fmt_hhmm(occurrence.shift.checkin_deadline)
    for member in svc.roster.agents_on_duty(day, key):
        if member.work_no in done:
            continue
        accounts = "、".join(svc.roster.accounts_of(member, occurrence)) or "请向组长确认"
        svc.scheduler.notify(
            {"user": member.user_id},
            f"⏰ {member.name}，{occurrence.shift.name}上班时间到了："
            f"请登录负责的账号（{accounts}），"
            f"{deadline} 前把挂号截图发到团队群（图片说明写 /checkin 或 "
            f"{settings_of(svc).hashtag}）。",
            key=f"checkin:remind:{day.isoformat()}:{key}:{member.work_no}",
            due=timer.due,
        )


def build_report(svc: Services, occurrence: ShiftOccurrence) -> ShiftReport:
    """Collect what the lead needs to know about one shift occurrence."""
    day, key = occurrence.day, occurrence.shift.key
    checkins = repo_of(svc).for_occurrence(day, key)
    report = ShiftReport(day, occurrence.shift.name, fmt_hhmm(occurrence.shift.checkin_deadline))
    for c in checkins:
        at = svc.local(c.at)
        who = f"{c.work_no}号 {c.name}"
        if c.status is Status.ON_TIME:
            report.on_time.append(f"{who} {at:%H:%M}")
        elif c.status is Status.LATE:
            report.late.append(f"{who} {at:%H:%M}（{c.label}）")
        else:
            report.off_roster.append(f"{who} {at:%H:%M}")
        report.reused.extend(f"{who}：{note}" for note in c.duplicates)
        if any(i.problem for i in c.images) and not any(i.phash for i in c.images):
            report.not_downloaded.append(who)
    done = {c.work_no for c in checkins}
    for member in svc.roster.agents_on_duty(day, key):
        if member.work_no not in done:
            accounts = svc.roster.accounts_of(member, occurrence)
            owns = f"（负责：{'、'.join(accounts)}）" if accounts else ""
            report.missing.append(f"{member.work_no}号 {member.name}{owns}")
    for member in svc.members.all():
        if member.role is not Role.AGENT or member.shift != key:
            continue
        reason = svc.roster.absence(member, day)
        if reason is not None:
            report.absent.append(f"{member.work_no}号 {member.name}（{reason}）")
    report.uncovered = [a for a, m in svc.roster.coverage(occurrence).items() if m is None]
    return report


async def summarize(svc: Services, timer: Timer, late: bool) -> None:
    """Send the lead one summary at the check-in deadline; chase the missing agents."""
    occurrence = _occurrence(svc, timer)
    if occurrence is None:
        return
    day, key = occurrence.day, occurrence.shift.key
    repo = repo_of(svc)
    if repo.summarized(day, key):
        return
    report = build_report(svc, occurrence)
    tag = f"{day.isoformat()}:{key}"
    repo.mark_summarized(day, key)
    svc.scheduler.notify(
        {"leads": key},
        summary_text(report, late),
        key=f"checkin:summary:{tag}",
        due=timer.due,
    )
    if not settings_of(svc).chase_missing:
        return
    done = {c.work_no for c in repo.for_occurrence(day, key)}
    for member in svc.roster.agents_on_duty(day, key):
        if member.work_no in done:
            continue
        svc.scheduler.notify(
            {"user": member.user_id},
            f"❌ {member.name}，{fmt_day(day)} {occurrence.shift.name}挂号已过截止时间 "
            f"{report.deadline}，还没有收到您的截图，请立即发到团队群。",
            key=f"checkin:missing:{tag}:{member.work_no}",
            due=timer.due,
        )


async def maintain(svc: Services, timer: Timer, late: bool) -> None:
    """Move old check-ins and roster changes to the archive; drop images past retention."""
    settings = settings_of(svc)
    today = svc.today()
    moved = repo_of(svc).archive_before(today - timedelta(days=settings.live_days))
    # roster changes stay live for two months so /attendance of last month reads one file
    changes = svc.roster.repo.archive_before(today - timedelta(days=62))
    pruned = prune_images(svc.store.root, today, settings.image_retention_days)
    log.info(
        "check-in upkeep: %d check-ins, %d roster changes archived, %d images pruned",
        moved,
        changes,
        pruned,
    )


# ---- views ----


async def duty(update: Update, context: BotContext) -> None:
    """Show who is on which shift on a date and who covers each account; or /duty undo."""
    svc = context.svc
    args = args_of(update.effective_message)
    if args and args[0].lower() in ("undo", "撤销"):
        await undo(update, context, args[1:])
        return
    if len(args) > 1:
        await reply(update, DUTY_USAGE)
        return
    try:
        day = parse_day(args[0], svc.today()) if args else svc.today()
    except UserError as err:
        await reply(update, f"{err}\n{DUTY_USAGE}")
        return
    await reply(update, duty_text(svc, day))


DUTY_USAGE = "用法：/duty [日期]，例如 /duty 明天；撤销：/duty undo <工号> <日期>"


def duty_text(svc: Services, day: date) -> str:
    """Return the roster of one date with account coverage per shift."""
    lines = [f"📅 {fmt_day(day)} 值班"]
    for shift in svc.settings.shifts:
        occurrence = ShiftOccurrence(shift, day)
        people = svc.roster.on_duty(day, shift.key)
        names = "、".join(f"{m.work_no}号 {m.name}" for m in people) or "无人"
        lines.append(f"\n【{shift.label()}】挂号截止 {fmt_hhmm(shift.checkin_deadline)}")
        lines.append(f"值班：{names}")
        for account, holder in svc.roster.coverage(occurrence).items():
            who = f"{holder.work_no}号 {holder.name}" if holder else "⚠️ 无人负责"
            lines.append(f"  {account} → {who}")
    absent = []
    for member in svc.members.all():
        reason = svc.roster.absence(member, day)
        if reason is not None:
            absent.append(f"{member.work_no}号 {member.name}（{reason}）")
    if absent:
        lines.append(f"\n休息/请假：{'、'.join(absent)}")
    swaps = svc.roster.repo.swaps(day)
    for s in swaps:
        lines.append(f"换班：{s.first}号 ⇄ {s.second}号（{s.by}号登记）")
    return "\n".join(lines)


async def checkins(update: Update, context: BotContext) -> None:
    """Show a date's check-ins per shift (lead)."""
    svc = context.svc
    args = args_of(update.effective_message)
    usage = "用法：/checkins [日期]，例如 /checkins 昨天"
    if len(args) > 1:
        await reply(update, usage)
        return
    try:
        day = parse_day(args[0], svc.today()) if args else svc.today()
    except UserError as err:
        await reply(update, f"{err}\n{usage}")
        return
    lines = [f"📋 {fmt_day(day)} 挂号情况"]
    now = svc.clock.now()
    tz = svc.settings.timezone
    for shift in svc.settings.shifts:
        occurrence = ShiftOccurrence(shift, day)
        lines.append(f"\n【{shift.label()}】截止 {fmt_hhmm(shift.checkin_deadline)}")
        records = repo_of(svc).for_occurrence(day, shift.key)
        for c in records:
            accounts = "、".join(c.accounts) or "无账号"
            flag = " 🔁疑似重复截图" if c.duplicates else ""
            lines.append(
                f"  {c.work_no}号 {c.name} {svc.local(c.at):%H:%M} {c.label} · {accounts} · "
                f"截图 {len(c.images)} 张{flag}"
            )
        done = {c.work_no for c in records}
        waiting = [m for m in svc.roster.agents_on_duty(day, shift.key) if m.work_no not in done]
        word = "未挂号" if now > occurrence.deadline(tz) else "尚未挂号"
        for m in waiting:
            lines.append(f"  {m.work_no}号 {m.name} {word}")
        if not records and not waiting:
            lines.append("  无人排班")
        uncovered = [a for a, h in svc.roster.coverage(occurrence).items() if h is None]
        if uncovered:
            lines.append(f"  ⚠️ 无人负责：{'、'.join(uncovered)}")
    await reply(update, "\n".join(lines))


async def attendance(update: Update, context: BotContext) -> None:
    """Show each agent's month: duty days, on time, late, missing, leave, KPI points (lead)."""
    svc = context.svc
    args = args_of(update.effective_message)
    usage = "用法：/attendance [YYYY-MM]，例如 /attendance 2026-11"
    if len(args) > 1:
        await reply(update, usage)
        return
    today = svc.today()
    try:
        year, month = parse_month(args[0], today) if args else (today.year, today.month)
    except UserError as err:
        await reply(update, f"{err}\n{usage}")
        return
    if date(year, month, 1) > today:
        await reply(update, f"{year}年{month}月还没开始。\n{usage}")
        return
    settings = settings_of(svc)
    rows = monthly_attendance(svc, year, month)
    since = svc.local(repo_of(svc).tracking_since(svc.clock.now())).date()
    start = max(date(year, month, 1), since)
    end = min(today, _month_end(year, month))
    if start > end:
        await reply(update, f"{year}年{month}月没有挂号记录：机器人从 {fmt_day(since)} 开始记录。")
        return
    title = f"📊 {year}年{month}月考勤（{fmt_day(start)} 至 {fmt_day(end)}）"
    await reply(update, attendance_text(title, rows, settings.kpi_points))


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def monthly_attendance(svc: Services, year: int, month: int) -> list[AttendanceRow]:
    """Count each agent's shifts of a month whose check-in deadline has passed."""
    settings = settings_of(svc)
    tz = svc.settings.timezone
    now = svc.clock.now()
    records = {(c.day, c.shift, c.work_no): c for c in repo_of(svc).for_month(year, month)}
    leaves = {
        (o.work_no, o.day) for o in svc.roster.repo.offs_in_month(year, month) if o.kind == LEAVE
    }
    since = repo_of(svc).tracking_since(now)
    rows = []
    for member in svc.members.all():
        if member.role is not Role.AGENT:
            continue
        row = AttendanceRow(label=f"{member.work_no}号 {member.name}")
        day = date(year, month, 1)
        while day.month == month:
            key = svc.roster.shift_of(member, day)
            shift = svc.settings.shift(key) if key else None
            # only shifts whose deadline fell while the bot was recording count
            if shift is not None and since <= shift.deadline_at(day, tz) <= now:
                row.duty_days += 1
                record = records.get((day, key, member.work_no))
                if record is None:
                    row.missing += 1
                elif record.status is Status.LATE:
                    row.late += 1
                    row.late_minutes += record.late_minutes
                else:
                    row.on_time += 1
            if (member.work_no, day) in leaves and svc.local(since).date() <= day <= svc.today():
                row.leave += 1
            day += timedelta(days=1)
        row.off_roster = sum(
            1
            for (_, _, no), c in records.items()
            if no == member.work_no and c.status is Status.OFF_ROSTER
        )
        row.score = attendance_score(
            row.late,
            row.leave,
            row.missing,
            settings.kpi_points,
            settings.late_penalty,
            settings.leave_penalty,
            settings.absence_penalty,
        )
        if row.duty_days or row.leave or row.off_roster:
            rows.append(row)
    return rows
