"""Deadlines: dunning, follow-up cadence, platform tickets, routine reminders and escalation.

Every open item stores its next ladder rung (``rung``, ``next_at``); the scheduler holds one
timer, ``deadlines:tick``, at the earliest of them. When it fires, every item that reached
a rung sends it (the latest one after downtime) and moves to the next, in one batch.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler

from bot.config.core import Platform
from bot.config.deadlines import DeadlinesSettings
from bot.domain.deadline_input import looks_like_time, parse_moment
from bot.domain.deadlines import (
    OPEN,
    OVERDUE,
    WARN,
    Rule,
    Rung,
    due_time,
    is_overdue,
    ladder,
    last_passed,
    next_rung,
)
from bot.domain.errors import UserError
from bot.domain.followup import parse_class, sample_for_review
from bot.domain.members import WEEKDAY_NAMES, Member, Role, parse_work_no
from bot.domain.text import mask_phones
from bot.domain.times import iso, parse_iso
from bot.domain.workdays import WorkCalendar
from bot.handlers.common import CommandSpec, add_command, args_of, reply, require_member
from bot.persistence.deadlines import ItemRepo
from bot.persistence.timers import Notification, Timer
from bot.services import BotContext, Services

log = logging.getLogger(__name__)

TITLE = "催付·回访·工单时限"

DUNNING = "dunning"
FOLLOWUP = "followup"
TICKET = "ticket"
SHIPPED = "shipped"

UNPAID_USAGE = "用法：/unpaid <订单号> [平台] [下单时间]，例如 /unpaid 3391827740 天猫 昨天 21:10"
DUNNED_USAGE = "用法：/dunned <订单号> <结果>，例如 /dunned 3391827740 电话未接，已旺旺留言"
PAID_USAGE = "用法：/paid <订单号>，例如 /paid 3391827740"
PROSPECT_USAGE = "用法：/prospect <客户> <顾虑> [A|B|C]，例如 /prospect 张女士 担心床垫太硬 B"
VISIT_USAGE = "用法：/visit <客户> [说明]，例如 /visit 张女士 发了活动链接"
REPLIED_USAGE = "用法：/replied <客户>，例如 /replied 张女士"
BOUGHT_USAGE = "用法：/bought <客户>，例如 /bought 张女士"
LOST_USAGE = "用法：/lost <客户> [原因]，例如 /lost 张女士 买了别家"
TICKET_USAGE = (
    "用法：/ticket <平台> <工单号> [收到时间] [说明]，例如 /ticket 京东 JD20261127 17:30 物流破损"
)
SHIPPED_USAGE = "用法：/shipped <订单号>，例如 /shipped 3391827740"
DONE_USAGE = "用法：/done <编号|工单号>，例如 /done 12 或 /done JD20261127"
DUE_USAGE = "用法：/due [today|tomorrow]（或 今天/明天）"
REASSIGN_USAGE = "用法：/reassign <编号> <工号>，例如 /reassign 12 3"

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
        "记录一次催付结果（同步到订单备注记录）",
        aliases=("已催",),
    ),
    CommandSpec("paid", "/paid <订单号>", "订单已付款，结束催付", aliases=("已付款",)),
    CommandSpec(
        "prospect",
        "/prospect <客户> <顾虑> [A|B|C]",
        "登记咨询未下单客户，按第2、3–5、7天安排回访",
        aliases=("跟进",),
    ),
    CommandSpec("visit", "/visit <客户> [说明]", "记录一次回访", aliases=("回访",)),
    CommandSpec("replied", "/replied <客户>", "客户有回复：重新开始回访周期", aliases=("已回复",)),
    CommandSpec("bought", "/bought <客户>", "客户已下单，结束跟进", aliases=("已成交",)),
    CommandSpec("lost", "/lost <客户> [原因]", "客户流失，结束跟进", aliases=("已流失",)),
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
        "overdue", "/overdue", "全部超时待办，按负责人分组", min_role=Role.LEAD, aliases=("超时",)
    ),
    CommandSpec(
        "reassign",
        "/reassign <编号> <工号>",
        "把待办转交给其他同事（组长或负责人本人）",
        aliases=("转交",),
    ),
]

TICK = "deadlines:tick"
_ORDER_NO = re.compile(r"^[A-Za-z0-9_-]{4,40}$")


class DeadlineService:
    """Opens, reminds, escalates and closes deadline items; shared with other features."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.conf: DeadlinesSettings = svc.settings.feature("deadlines")
        self.items = ItemRepo(svc.store)
        self.calendar = WorkCalendar(self.conf.holidays, self.conf.workdays)
        self._tick: str | None = None  # due time of the pending deadlines timer

    # ---- time helpers -------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """Return the team's timezone."""
        return self.svc.settings.timezone

    def fmt(self, moment: datetime) -> str:
        """Return a moment as 今天 10:30 / 明天 10:30 / 11-30（周一）10:30."""
        local = self.svc.local(moment)
        today = self.svc.today()
        if local.date() == today:
            return f"今天 {local:%H:%M}"
        if local.date() == today + timedelta(days=1):
            return f"明天 {local:%H:%M}"
        return f"{local:%m-%d}（{WEEKDAY_NAMES[local.weekday()]}）{local:%H:%M}"

    def rule(self, name: str) -> Rule:
        """Return a rule by name."""
        return self.conf.rules[name]

    # ---- opening items ------------------------------------------------------------------

    def open_item(
        self,
        kind: str,
        rule_name: str,
        ref: str,
        creator: Member,
        received: datetime,
        platform: str | None = None,
        note: str = "",
        **extra: Any,
    ) -> dict[str, Any]:
        """Store a new item due by its rule, arm its first reminder and return it."""
        rule = self.rule(rule_name)
        due = due_time(rule, received, self.tz, self.calendar)
        owner = self._owner(rule, platform, creator, due)
        now = self.svc.clock.now()
        item = {
            "type": kind,
            "rule": rule_name,
            "ref": ref,
            "platform": platform,
            "note": note,
            "owner": owner.user_id,
            "creator": creator.user_id,
            "created": iso(now),
            "received": iso(received),
            "due": iso(due),
            "opens": None,
            "rung": next_rung(ladder(rule, due), now),
            **extra,
        }
        self.arm(item)
        item["id"] = self.items.add(item)
        self.arm_tick()
        return item

    def _owner(self, rule: Rule, platform: str | None, creator: Member, due: datetime) -> Member:
        """Return who owns a new item: the creator, or the account holder (谁挂号谁催付)."""
        if rule.owner != "holder" or platform is None or platform in self.conf.shared_platforms:
            return creator
        found = self._platform(platform)
        for account in found.accounts if found else ():
            holder = self.svc.roster.holder(account, due)
            if holder is not None:
                return holder
        return creator

    def _platform(self, key: str | None) -> Platform | None:
        return next((p for p in self.svc.settings.platforms if p.key == key), None)

    def platform_word(self, word: str) -> str | None:
        """Return the platform key a user's word names (key or Chinese name)."""
        wanted = word.strip().casefold()
        for platform in self.svc.settings.platforms:
            if wanted in (platform.key.casefold(), platform.name.casefold()):
                return platform.key
            if wanted in (a.casefold() for a in platform.accounts):
                return platform.key
        return None

    # ---- the ladder ---------------------------------------------------------------------

    def rungs(self, item: dict[str, Any]) -> list[Rung]:
        """Return the reminder ladder of an item."""
        due = parse_iso(item["due"])
        if item["type"] == FOLLOWUP:
            opens = parse_iso(item["opens"])
            return [Rung(opens, OPEN), Rung(due, OVERDUE)]
        return ladder(self.rule(item["rule"]), due)

    def arm(self, item: dict[str, Any]) -> None:
        """Set ``next_at``, the moment of the item's next rung (None: nothing left to send)."""
        rungs = self.rungs(item)
        if item.get("paused") or item["rung"] >= len(rungs):
            item["next_at"] = None
        else:
            item["next_at"] = iso(rungs[item["rung"]].at)

    def arm_tick(self) -> None:
        """Keep the one deadlines timer at the earliest ``next_at`` of all open items.

        The items are the truth; the timer only says when to look at them next. It is
        rewritten only when that moment changes, so most commands leave schedule.json alone.
        """
        soonest = min((i["next_at"] for i in self.items.iter() if i.get("next_at")), default=None)
        if soonest == self._tick:
            return
        if soonest is None:
            self.svc.scheduler.cancel(TICK)
        else:
            self.svc.scheduler.at(TICK, parse_iso(soonest), key=TICK, replace=True)
        self._tick = soonest

    async def on_tick(self, svc: Services, _timer: Timer, _late: bool) -> None:
        """Send the rung every due item reached (only the latest one, after downtime)."""
        self._tick = None  # the scheduler dropped the timer before calling us
        now = svc.clock.now()
        limit = iso(now)
        due = [dict(i) for i in self.items.iter() if i.get("next_at") and i["next_at"] <= limit]
        notes: list[Notification] = []
        changes: dict[int, dict[str, Any]] = {}
        for item in sorted(due, key=lambda i: (i["next_at"], i["id"])):
            rungs = self.rungs(item)
            index = last_passed(rungs, item["rung"], now)
            if index >= 0:
                notes.extend(self._rung_notes(item, rungs[index]))
                item["rung"] = index + 1
            self.arm(item)
            changes[item["id"]] = {"rung": item["rung"], "next_at": item["next_at"]}
        svc.scheduler.notify_many(notes)  # one write for a burst of hundreds
        self.items.update_many(changes)
        self.arm_tick()

    def _rung_notes(self, item: dict[str, Any], rung: Rung) -> list[Notification]:
        desc = self.describe(item)
        due = parse_iso(item["due"])
        owner = self.svc.members.get(item["owner"])
        owner_name = _who(owner)
        base = f"deadlines:{item['id']}:{rung.kind}:{iso(rung.at)}"
        targets: list[dict[str, Any]] = []
        if rung.kind == WARN:
            text = (
                f"⏰ {desc} 还有 {rung.minutes} 分钟到期（{self.fmt(due)}）· 负责人 {owner_name}"
            )
            targets.append(self.route_owner(item, rung.at))
        elif rung.kind == OPEN:
            text = self._visit_text(item, owner)
            targets.append(self.route_owner(item, rung.at))
        elif rung.kind == OVERDUE:
            text = f"🔴 已超时：{desc}，应于 {self.fmt(due)} 完成 · 负责人 {owner_name}"
            targets.append(self.route_owner(item, rung.at))
            targets.append(self.lead_target(owner, rung.at))
        else:
            text = (
                f"🚨 超时 {rung.minutes} 分钟仍未处理：{desc}，应于 {self.fmt(due)} 完成"
                f" · 负责人 {owner_name}，请组长跟进"
            )
            targets.extend(self._escalation_targets())
        notes: list[Notification] = []
        seen: list[dict[str, Any]] = []
        for target in targets:
            if target in seen:
                continue
            seen.append(target)
            suffix = ":".join(f"{k}={v}" for k, v in target.items())
            notes.append(Notification(f"{base}:{suffix}", rung.at, target, text, "deadlines"))
        return notes

    def _escalation_targets(self) -> list[dict[str, Any]]:
        users = {m.user_id for m in self.svc.members.with_role(Role.ADMIN)}
        result: list[dict[str, Any]] = []
        if self.svc.settings.leads_chat is not None:
            result.append({"leads": None})
        else:
            users |= {m.user_id for m in self.svc.leads(None)}
        result.extend({"user": u} for u in sorted(users))
        return result

    def on_shift(self, member: Member, moment: datetime) -> bool:
        """Whether ``member`` is working at ``moment`` (members without a shift always are)."""
        if member.shift is None:
            return True
        local_day = self.svc.local(moment).date()
        for day in (local_day, local_day - timedelta(days=1)):
            key = self.svc.roster.shift_of(member, day)
            shift = self.svc.settings.shift(key) if key else None
            if shift is not None and shift.contains(moment, day, self.tz):
                return True
        return False

    def lead_target(self, owner: Member | None, moment: datetime) -> dict[str, Any]:
        """Return the leads of the owner's shift (else of the shift running at ``moment``)."""
        if owner is not None and owner.shift is not None:
            return {"leads": owner.shift}
        occurrence = self.svc.roster.current(moment)
        return {"leads": occurrence.shift.key if occurrence else None}

    def route_owner(self, item: dict[str, Any], moment: datetime) -> dict[str, Any]:
        """Return where the owner's reminder goes: the owner on shift, else the account
        holder on duty, else the leads of the running shift."""
        owner = self.svc.members.get(item["owner"])
        if owner is not None and not owner.removed and self.on_shift(owner, moment):
            return {"user": owner.user_id}
        platform = self._platform(item.get("platform"))
        for account in platform.accounts if platform else ():
            holder = self.svc.roster.holder(account, moment)
            if holder is not None and self.on_shift(holder, moment):
                return {"user": holder.user_id}
        occurrence = self.svc.roster.current(moment)
        return {"leads": occurrence.shift.key if occurrence else None}

    def _visit_text(self, item: dict[str, Any], owner: Member | None) -> str:
        due = parse_iso(item["due"])
        visit = item["visit"]
        lines = [
            f"📞 {self.describe(item)}：今天开始第 {visit} 次回访，请在 {self.fmt(due)} 前完成"
            f"（顾虑：{item.get('concern') or '未填写'}）· 负责人 {_who(owner)}",
            f"回访后发送 /visit {item['ref']} [说明]；客户回复了发送 /replied {item['ref']}。",
        ]
        script = self.render_script(
            f"followup/visit{visit}",
            {"customer": item["ref"], "concern": item.get("concern") or ""},
            owner,
        )
        if script:
            lines.append(f"参考话术：\n{script}")
        return "\n".join(lines)

    def render_script(self, name: str, values: dict[str, Any], member: Member | None) -> str:
        """Render a reply script of the scripts feature; empty when it is not available."""
        scripts = self.svc.feature.get("scripts")
        if scripts is None or member is None or not hasattr(scripts, "render"):
            return ""
        try:
            return str(scripts.render(name, values, member))
        except Exception as err:  # a missing or broken script must not stop the reminder
            log.warning("script %s not rendered: %s", name, err)
            return ""

    # ---- describing ---------------------------------------------------------------------

    def describe(self, item: dict[str, Any]) -> str:
        """Return e.g. ``催付 #3 订单 3391827740（天猫）``."""
        kind = item["type"]
        number = f"#{item['id']}"
        if kind == DUNNING:
            platform = self._platform(item.get("platform"))
            where = f"（{platform.name}）" if platform else ""
            return f"催付 {number} 订单 {item['ref']}{where}"
        if kind == FOLLOWUP:
            return f"回访 {number} 客户 {mask_phones(item['ref'])}（{item.get('cls', 'A')}类）"
        if kind == SHIPPED:
            return f"发货回访 {number} 订单 {item['ref']}"
        return f"{self.rule(item['rule']).label} {number} 工单 {item['ref']}"

    def line(self, item: dict[str, Any], now: datetime, with_owner: bool = False) -> str:
        """Return one line of a list: description, due, overdue mark, owner."""
        due = parse_iso(item["due"])
        text = f"{self.describe(item)} · 应于 {self.fmt(due)}"
        if item.get("paused"):
            text += " · 待组长复核"
        elif is_overdue(due, now):
            minutes = int((now - due).total_seconds() // 60)
            text = f"⚠️ {text} · 已超时 {_duration(minutes)}"
        if with_owner:
            text += f" · {_who(self.svc.members.get(item['owner']))}"
        return text

    # ---- closing ------------------------------------------------------------------------

    def close(self, item: dict[str, Any], status: str, by: Member | None) -> None:
        """Archive an item and drop its timer."""
        # The tick may still point at this item's next rung; waking for nothing is harmless.
        self.items.close(item["id"], status, self.svc.clock.now(), by.user_id if by else None)

    # ---- follow-up cadence --------------------------------------------------------------

    def schedule_visit(self, item: dict[str, Any], now: datetime) -> None:
        """Set the window of the item's next visit from its cycle start and arm it."""
        start = datetime.fromisoformat(item["cycle_start"]).date()
        opens, due = self.conf.cadence.window(start, item["visit"], self.tz)
        if due <= now:  # the window went by before the previous visit: give until today's end
            local = self.svc.local(now)
            due = local.replace(
                hour=self.conf.cadence.due_at.hour, minute=self.conf.cadence.due_at.minute
            )
            if due <= now:
                due += timedelta(days=1)
            opens = now
        item["opens"], item["due"] = iso(opens), iso(due)
        item["rung"] = next_rung(self.rungs(item), now)
        self.arm(item)

    # ---- start-up -----------------------------------------------------------------------

    def rebuild(self) -> None:
        """Arm the deadlines timer from the open items (after a restore, or a lost file)."""
        pending = self.svc.scheduler.timers.pending(TICK)
        self._tick = iso(pending[0].due) if pending else None
        self.arm_tick()

    def warn_calendar(self) -> None:
        """Tell the admins at start which coming years the holiday calendar does not know.

        Privately to admins the bot can reach, else in the team chat; at most once a day,
        so a bot restarted in a loop does not repeat itself.
        """
        today = self.svc.today()
        years = self.calendar.uncovered_years(today, self.conf.calendar_warn_days)
        if not years:
            return
        listed = "、".join(str(y) for y in years)
        text = (
            f"⚠️ 节假日日历未覆盖 {listed} 年：这些年份的工作日按周一至周五计算，"
            "再加上设置中 [deadlines] 的 holidays（放假日）与 workdays（调休上班日）。"
            f"请主管在设置中补充 {listed} 年的法定节假日与调休安排。"
        )
        key = f"deadlines:calendar:{listed}:{today.isoformat()}"
        admins = self.svc.members.with_role(Role.ADMIN)
        reachable = [a for a in admins if a.can_dm]
        # A blind private message to an admin who never sent /start would mark them
        # unreachable; the team chat reaches them all.
        if not reachable:
            self.svc.scheduler.notify({"team": True}, text, key=key, kind="deadlines")
        for admin in reachable:
            self.svc.scheduler.notify(
                {"user": admin.user_id}, text, key=f"{key}:{admin.user_id}", kind="deadlines"
            )


def _who(member: Member | None) -> str:
    return f"{member.work_no}号 {member.name}" if member else "（已不在团队）"


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {rest} 分钟" if rest else f"{hours} 小时"
    return f"{hours // 24} 天"


def _more(total: int, limit: int) -> list[str]:
    """Return the line saying how many items a list left out (none when all fit)."""
    return (
        [f"……另有 {total - limit} 项未列出（按到期先后只列前 {limit} 项）"]
        if total > limit
        else []
    )


def service(context: BotContext) -> DeadlineService:
    """Return the deadlines service of the application."""
    return context.svc.feature["deadlines"]


# ---- handlers ---------------------------------------------------------------------------


def _order_no(svc: Services, text: str) -> str:
    orders = svc.feature.get("orders")
    if orders is not None and hasattr(orders, "validate_order_no"):
        try:
            return str(orders.validate_order_no(text))
        except UserError:
            raise
        except ValueError as err:
            raise UserError(str(err)) from None
    if not _ORDER_NO.match(text):
        raise UserError(f"订单号“{text}”格式不对：应为 4–40 位字母、数字或连字符。")
    return text


def _detect_platform(svc: Services, order_no: str) -> str | None:
    orders = svc.feature.get("orders")
    if orders is None or not hasattr(orders, "detect_platform"):
        return None
    try:
        return orders.detect_platform(order_no)
    except Exception as err:  # detection is a convenience; the order still gets chased
        log.warning("platform detection failed for %s: %s", order_no, err)
        return None


async def unpaid(update: Update, context: BotContext) -> None:
    """Open a dunning item for an order placed but not paid."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if not args:
        await reply(update, UNPAID_USAGE)
        return
    try:
        order_no = _order_no(context.svc, args[0])
        rest = args[1:]
        platform = None
        if rest and not looks_like_time(rest):
            platform = ds.platform_word(rest[0])
            if platform is None:
                names = "、".join(p.name for p in context.svc.settings.platforms)
                raise UserError(f"不认识的平台“{rest[0]}”，可选：{names}。")
            rest = rest[1:]
        placed = context.svc.clock.now()
        if rest:
            moment, used = parse_moment(rest, context.svc.local_now())
            if used != len(rest):
                raise UserError(f"多余的内容“{' '.join(rest[used:])}”。")
            placed = moment
        if platform is None:
            platform = _detect_platform(context.svc, order_no)
        if ds.items.find(DUNNING, order_no) is not None:
            raise UserError(f"订单 {order_no} 已在催付中，发送 /mine 查看。")
    except UserError as err:
        await reply(update, f"{err}\n{UNPAID_USAGE}")
        return
    item = ds.open_item(
        DUNNING, ds.conf.dunning_rule, order_no, member, placed, platform, attempts=[]
    )
    await reply(update, _opened_text(ds, item, "催付") + _opening_script(ds, member))


def _opened_text(ds: DeadlineService, item: dict[str, Any], verb: str) -> str:
    now = ds.svc.clock.now()
    due = parse_iso(item["due"])
    owner = ds.svc.members.get(item["owner"])
    text = f"已登记{verb}：{ds.describe(item)}，应于 {ds.fmt(due)} 前完成 · 负责人 {_who(owner)}"
    if is_overdue(due, now):
        text += "\n⚠️ 已经超时，请立即处理。"
    return text


def _opening_script(ds: DeadlineService, member: Member) -> str:
    script = ds.render_script("dunning/opening", {"customer": "亲"}, member)
    return f"\n催付话术：\n{script}" if script else ""


async def dunned(update: Update, context: BotContext) -> None:
    """Record one dunning attempt (result, agent, time), also on the order's remark history."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) < 2:
        await reply(update, DUNNED_USAGE)
        return
    item = ds.items.find(DUNNING, args[0])
    if item is None:
        await reply(update, f"没有正在催付的订单 {args[0]}（先用 /unpaid 登记）。\n{DUNNED_USAGE}")
        return
    result = " ".join(args[1:])[:200]
    now = context.svc.clock.now()
    attempts = [
        *item.get("attempts", []),
        {"at": iso(now), "by": member.user_id, "result": result},
    ]
    ds.items.update(item["id"], attempts=attempts)
    remark = ""
    orders = context.svc.feature.get("orders")
    if orders is not None and hasattr(orders, "record_dunning"):
        try:
            orders.record_dunning(item["ref"], result, member, now, platform=item.get("platform"))
            remark = "，已写入订单备注记录"
        except Exception as err:  # the attempt is recorded here either way
            log.warning("remark history not updated for %s: %s", item["ref"], err)
            remark = "（订单备注记录未能写入，请手动备注）"
    local = context.svc.local(now)
    await reply(
        update,
        f"已记录第 {len(attempts)} 次催付：订单 {item['ref']} · {result} · "
        f"{member.name} {local:%m-%d %H:%M}{remark}。付款后发送 /paid {item['ref']}。",
    )


async def paid(update: Update, context: BotContext) -> None:
    """Close a dunning item: the order was paid."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 1:
        await reply(update, PAID_USAGE)
        return
    item = ds.items.find(DUNNING, args[0])
    if item is None:
        await reply(update, f"没有正在催付的订单 {args[0]}。\n{PAID_USAGE}")
        return
    now = context.svc.clock.now()
    late = is_overdue(parse_iso(item["due"]), now)
    ds.close(item, "paid", member)
    tail = "（超时后付款）" if late else "（按时完成）"
    await reply(
        update,
        f"✅ 订单 {item['ref']} 已付款，催付结束{tail}。"
        f"共催付 {len(item.get('attempts', []))} 次。",
    )


async def prospect(update: Update, context: BotContext) -> None:
    """Open the follow-up of a customer who asked but did not buy."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) < 2:
        await reply(update, PROSPECT_USAGE)
        return
    customer, rest = args[0][:40], args[1:]
    cls = "A"
    if len(rest) > 1:
        try:
            cls = parse_class(rest[-1])
            rest = rest[:-1]
        except ValueError:
            pass
    concern = " ".join(rest)[:200]
    if ds.items.find(FOLLOWUP, customer) is not None:
        await reply(update, f"客户 {customer} 已在跟进中，发送 /visit {customer} 记录回访。")
        return
    now = context.svc.clock.now()
    today = context.svc.today()
    extra = {
        "cls": cls,
        "concern": concern,
        "cycle_start": today.isoformat(),
        "visit": 1,
        "visits": [],
        "paused": cls == "C",
        "review": "pending" if cls in ("B", "C") else None,
    }
    item = {
        "type": FOLLOWUP,
        "rule": "followup",
        "ref": customer,
        "platform": None,
        "note": "",
        "owner": member.user_id,
        "creator": member.user_id,
        "created": iso(now),
        "received": iso(now),
        **extra,
    }
    ds.schedule_visit(item, now)
    item["id"] = ds.items.add(item)
    ds.arm_tick()
    due = parse_iso(item["due"])
    opens = parse_iso(item["opens"])
    if cls == "C":
        text = (
            f"已登记 C 类客户 {mask_phones(customer)}（#{item['id']}，顾虑：{concern}）。"
            f"组长今天 {ds.conf.review_at:%H:%M} 复核：确认“无需跟进”即结束，否则进入回访。"
        )
    else:
        text = (
            f"已登记跟进：{ds.describe(item)}，顾虑：{concern}。\n"
            f"第 1 次回访 {ds.fmt(opens)} 提醒，{ds.fmt(due)} 前完成；"
            f"共 {ds.conf.cadence.visits} 次，客户回复则重新开始。"
        )
        if cls == "B":
            text += "\nB 类客户组长会抽查复核。"
    await reply(update, text)


def _followup_of(ds: DeadlineService, customer: str) -> dict[str, Any] | None:
    return ds.items.find(FOLLOWUP, customer)


async def visit(update: Update, context: BotContext) -> None:
    """Record a visit; after the last one with no reply the follow-up closes itself."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if not args:
        await reply(update, VISIT_USAGE)
        return
    item = _followup_of(ds, args[0])
    if item is None:
        await reply(
            update, f"没有正在跟进的客户 {args[0]}（先用 /prospect 登记）。\n{VISIT_USAGE}"
        )
        return
    if item.get("paused"):
        await reply(update, f"客户 {args[0]} 是 C 类，等待组长复核后再回访。")
        return
    now = context.svc.clock.now()
    number = item["visit"]
    note = " ".join(args[1:])[:200]
    item["visits"] = [
        *item["visits"],
        {"n": number, "at": iso(now), "by": member.user_id, "note": note},
    ]
    if number >= ds.conf.cadence.visits:
        ds.items.update(item["id"], visits=item["visits"])
        ds.close(item, "no_reply", member)
        await reply(
            update,
            f"已记录第 {number} 次回访：客户 {mask_phones(item['ref'])}。"
            f"连续 {number} 次回访无回复，跟进结束（#{item['id']}）。",
        )
        return
    item["visit"] = number + 1
    ds.schedule_visit(item, now)
    ds.items.update(
        item["id"],
        visits=item["visits"],
        visit=item["visit"],
        opens=item["opens"],
        due=item["due"],
        rung=item["rung"],
        next_at=item["next_at"],
    )
    ds.arm_tick()
    await reply(
        update,
        f"已记录第 {number} 次回访：客户 {mask_phones(item['ref'])}"
        f"{'（' + note + '）' if note else ''}。"
        f"第 {item['visit']} 次回访 {ds.fmt(parse_iso(item['opens']))} 提醒，"
        f"{ds.fmt(parse_iso(item['due']))} 前完成。",
    )


async def replied(update: Update, context: BotContext) -> None:
    """The customer answered: the cadence starts over from today."""
    ds = service(context)
    require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 1:
        await reply(update, REPLIED_USAGE)
        return
    item = _followup_of(ds, args[0])
    if item is None:
        await reply(update, f"没有正在跟进的客户 {args[0]}。\n{REPLIED_USAGE}")
        return
    now = context.svc.clock.now()
    item["cycle_start"] = context.svc.today().isoformat()
    item["visit"] = 1
    item["replies"] = item.get("replies", 0) + 1
    ds.schedule_visit(item, now)
    ds.items.update(
        item["id"],
        cycle_start=item["cycle_start"],
        visit=1,
        replies=item["replies"],
        opens=item["opens"],
        due=item["due"],
        rung=item["rung"],
        next_at=item["next_at"],
    )
    ds.arm_tick()
    await reply(
        update,
        f"客户 {mask_phones(item['ref'])} 有回复，回访周期重新开始："
        f"第 1 次回访 {ds.fmt(parse_iso(item['opens']))} 提醒。成交后发送 /bought {item['ref']}。",
    )


async def _close_followup(update: Update, context: BotContext, status: str, usage: str) -> None:
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if not args:
        await reply(update, usage)
        return
    item = _followup_of(ds, args[0])
    if item is None:
        await reply(update, f"没有正在跟进的客户 {args[0]}。\n{usage}")
        return
    if len(args) > 1:
        ds.items.update(item["id"], close_note=" ".join(args[1:])[:200])
    ds.close(item, status, member)
    word = "已成交 🎉" if status == "bought" else "已流失"
    await reply(
        update,
        f"客户 {mask_phones(item['ref'])} {word}，"
        f"跟进结束（#{item['id']}，回访 {len(item['visits'])} 次）。",
    )


async def bought(update: Update, context: BotContext) -> None:
    """Close a follow-up: the customer bought."""
    await _close_followup(update, context, "bought", BOUGHT_USAGE)


async def lost(update: Update, context: BotContext) -> None:
    """Close a follow-up: the customer is lost."""
    await _close_followup(update, context, "lost", LOST_USAGE)


async def ticket(update: Update, context: BotContext) -> None:
    """Open a platform ticket due by the platform's rule."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) < 2:
        await reply(update, TICKET_USAGE)
        return
    rule_name = ds.conf.tickets.get(args[0].casefold())
    if rule_name is None:
        words = "、".join(sorted({w for w in ds.conf.tickets if not w.isascii()}))
        await reply(update, f"不认识的工单类型“{args[0]}”，可选：{words}。\n{TICKET_USAGE}")
        return
    number = args[1][:60]
    rest = args[2:]
    received = context.svc.clock.now()
    try:
        if looks_like_time(rest):
            received, used = parse_moment(rest, context.svc.local_now())
            rest = rest[used:]
        if ds.items.find(TICKET, number) is not None:
            raise UserError(f"工单 {number} 已登记，发送 /mine 查看。")
    except UserError as err:
        await reply(update, f"{err}\n{TICKET_USAGE}")
        return
    platform = ds.platform_word(args[0])
    item = ds.open_item(
        TICKET, rule_name, number, member, received, platform, note=" ".join(rest)[:200]
    )
    local = context.svc.local(received)
    await reply(
        update,
        _opened_text(ds, item, "工单")
        + f"\n收到时间 {local:%m-%d %H:%M}；处理完发送 /done {number}。",
    )


async def shipped(update: Update, context: BotContext) -> None:
    """Remember to check logistics and call the buyer on day 7 after shipping."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 1:
        await reply(update, SHIPPED_USAGE)
        return
    try:
        order_no = _order_no(context.svc, args[0])
    except UserError as err:
        await reply(update, f"{err}\n{SHIPPED_USAGE}")
        return
    if ds.items.find(SHIPPED, order_no) is not None:
        await reply(update, f"订单 {order_no} 已登记发货回访。")
        return
    platform = _detect_platform(context.svc, order_no)
    now = context.svc.clock.now()
    item = ds.open_item(SHIPPED, ds.conf.shipped_rule, order_no, member, now, platform)
    await reply(
        update,
        f"已登记发货：{ds.describe(item)}。{ds.fmt(parse_iso(item['due']))} 提醒查物流、"
        "电话回访并邀请好评；完成后发送 /done " + order_no + "。",
    )


def _find_item(ds: DeadlineService, text: str) -> dict[str, Any] | None:
    cleaned = text.removeprefix("#")
    for item in ds.items.find_ref(text):
        if item["type"] in (TICKET, SHIPPED):
            return item
    if cleaned.isdigit():
        return ds.items.get(int(cleaned))
    return None


async def done(update: Update, context: BotContext) -> None:
    """Close an item by number or by ticket / order number."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 1:
        await reply(update, DONE_USAGE)
        return
    item = _find_item(ds, args[0])
    if item is None:
        await reply(update, f"没有找到待办 {args[0]}（发送 /mine 查看编号）。\n{DONE_USAGE}")
        return
    now = context.svc.clock.now()
    late = is_overdue(parse_iso(item["due"]), now)
    ds.close(item, "done", member)
    tail = "超时完成" if late else "按时完成"
    await reply(update, f"✅ 已完成：{ds.describe(item)}（{tail}）。")


async def mine(update: Update, context: BotContext) -> None:
    """List my open items, soonest first, overdue ones marked."""
    ds = service(context)
    member = require_member(update, context)
    now = context.svc.clock.now()
    items = sorted(
        (i for i in ds.items.iter() if i["owner"] == member.user_id), key=lambda i: i["due"]
    )
    if not items:
        await reply(update, f"{member.name}，您目前没有待办。")
        return
    limit = iso(now)  # stored moments are UTC ISO strings: comparing them is comparing times
    late = sum(1 for i in items if not i.get("paused") and i["due"] < limit)
    head = (
        f"{member.name} 的待办 {len(items)} 项" + (f"（⚠️ {late} 项已超时）" if late else "") + "："
    )
    lines = [head, *(ds.line(i, now) for i in items[: ds.conf.list_limit])]
    await reply(update, "\n".join(lines + _more(len(items), ds.conf.list_limit)))


async def due(update: Update, context: BotContext) -> None:
    """List every open item due today (or tomorrow), soonest first."""
    ds = service(context)
    args = args_of(update.effective_message)
    words = {"today": 0, "今天": 0, "tomorrow": 1, "明天": 1}
    if len(args) > 1 or (args and args[0].lower() not in words):
        await reply(update, DUE_USAGE)
        return
    offset = words[args[0].lower()] if args else 0
    day = context.svc.today() + timedelta(days=offset)
    now = context.svc.clock.now()
    tz = context.svc.settings.timezone
    items = sorted(
        (i for i in ds.items.iter() if parse_iso(i["due"]).astimezone(tz).date() == day),
        key=lambda i: i["due"],
    )
    label = "今天" if offset == 0 else "明天"
    if not items:
        await reply(update, f"{label}（{day:%m-%d}）没有到期的待办。")
        return
    lines = [f"{label}（{day:%m-%d}）到期的待办 {len(items)} 项："]
    lines.extend(ds.line(i, now, with_owner=True) for i in items[: ds.conf.list_limit])
    lines.extend(_more(len(items), ds.conf.list_limit))
    await reply(update, "\n".join(lines))


async def overdue(update: Update, context: BotContext) -> None:
    """List everything overdue, by owner (leads)."""
    ds = service(context)
    now = context.svc.clock.now()
    late = [
        i for i in ds.items.iter() if not i.get("paused") and is_overdue(parse_iso(i["due"]), now)
    ]
    if not late:
        await reply(update, "✅ 目前没有超时的待办。")
        return
    by_owner: dict[int, list[dict[str, Any]]] = {}
    for item in sorted(late, key=lambda i: i["due"]):
        by_owner.setdefault(item["owner"], []).append(item)
    lines = [f"超时待办共 {len(late)} 项："]
    for owner_id, items in sorted(by_owner.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"\n【{_who(context.svc.members.get(owner_id))}】{len(items)} 项")
        lines.extend(ds.line(i, now) for i in items[: ds.conf.list_limit])
        lines.extend(_more(len(items), ds.conf.list_limit))
    await reply(update, "\n".join(lines))


async def reassign(update: Update, context: BotContext) -> None:
    """Hand an item to another member (a lead, or the owner)."""
    ds = service(context)
    member = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 2:
        await reply(update, REASSIGN_USAGE)
        return
    cleaned = args[0].removeprefix("#")
    item = ds.items.get(int(cleaned)) if cleaned.isdigit() else None
    if item is None:
        await reply(
            update, f"没有编号为 {args[0]} 的待办（发送 /mine 查看编号）。\n{REASSIGN_USAGE}"
        )
        return
    if member.role < Role.LEAD and item["owner"] != member.user_id:
        await reply(update, "只有组长或该待办的负责人可以转交。")
        return
    try:
        work_no = parse_work_no(args[1])
    except ValueError as err:
        await reply(update, f"{err}\n{REASSIGN_USAGE}")
        return
    target = context.svc.members.by_work_no(work_no)
    if target is None or target.removed:
        await reply(update, f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        return
    if target.user_id == item["owner"]:
        await reply(update, f"{ds.describe(item)} 的负责人已经是 {_who(target)}。")
        return
    ds.items.update(item["id"], owner=target.user_id)
    previous = context.svc.members.get(item["owner"])
    now = context.svc.clock.now()
    context.svc.scheduler.notify(
        ds.route_owner({**item, "owner": target.user_id}, now),
        f"📌 {member.name} 把 {ds.describe(item)} 转交给 {_who(target)}，"
        f"应于 {ds.fmt(parse_iso(item['due']))} 完成。",
        key=f"deadlines:{item['id']}:reassign:{iso(now)}:{target.user_id}",
        kind="deadlines",
    )
    await reply(update, f"已把 {ds.describe(item)} 从 {_who(previous)} 转交给 {_who(target)}。")


# ---- C/B review -------------------------------------------------------------------------


async def on_review(svc: Services, timer: Timer, _late: bool) -> None:
    """Send the leads today's C customers (all) and a sample of B for review, with buttons."""
    ds: DeadlineService = svc.feature["deadlines"]
    pending = [i for i in ds.items.all() if i["type"] == FOLLOWUP and i.get("review") == "pending"]
    c_items = [i for i in pending if i["cls"] == "C"]
    b_items = [i for i in pending if i["cls"] == "B"]
    picked = set(sample_for_review([i["id"] for i in b_items], ds.conf.review_share_b, timer.key))
    for item in b_items:
        ds.items.update(item["id"], review="asked" if item["id"] in picked else "skipped")
    asked = c_items + [i for i in b_items if i["id"] in picked]
    if not asked:
        return
    chat = _review_chat(svc)
    await _send(
        svc,
        chat,
        f"📋 今日客户复核：C 类 {len(c_items)} 位（全部）、"
        f"B 类抽查 {len(asked) - len(c_items)} 位。",
        None,
    )
    for item in asked:
        owner = svc.members.get(item["owner"])
        text = (
            f"{item['cls']} 类客户复核 #{item['id']}：{mask_phones(item['ref'])}\n"
            f"顾虑：{item.get('concern') or '未填写'} · 负责人 {_who(owner)}"
            f" · 已回访 {len(item['visits'])} 次"
        )
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        "无需跟进", callback_data=f"deadlines:review:{item['id']}:stop"
                    ),
                    InlineKeyboardButton(
                        "继续跟进", callback_data=f"deadlines:review:{item['id']}:go"
                    ),
                ]
            ]
        )
        await _send(svc, chat, text, buttons)


def _review_chat(svc: Services) -> int:
    if svc.settings.leads_chat is not None:
        return svc.settings.leads_chat
    leads = svc.leads(None)
    reachable = [m for m in leads if m.can_dm is not False]
    return reachable[0].user_id if reachable else svc.settings.team_chat


async def _send(svc: Services, chat: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await svc.bot.send_message(chat, text, reply_markup=markup)
    except (Forbidden, BadRequest) as err:
        log.info("review to %s refused (%s); sending to the team chat", chat, err)
        if chat > 0:
            svc.members.update(chat, can_dm=False)
        await svc.bot.send_message(svc.settings.team_chat, text, reply_markup=markup)


async def review_decision(update: Update, context: BotContext) -> None:
    """Apply a lead's 无需跟进 / 继续跟进 on a reviewed customer."""
    query = update.callback_query
    member = require_member(update, context)
    if member.role < Role.LEAD:
        await query.answer("需要组长权限才能复核。", show_alert=True)
        return
    _, _, raw_id, verdict = query.data.split(":")
    ds = service(context)
    item = ds.items.get(int(raw_id))
    if item is None or item.get("review") not in ("pending", "asked"):
        await query.answer("该客户已处理过了。")
        return
    who = mask_phones(item["ref"])
    if verdict == "stop":
        ds.items.update(item["id"], review="stop")
        ds.close(item, "no_followup", member)
        await query.answer("已确认无需跟进。")
        await query.edit_message_text(f"#{item['id']} {who}：{member.name} 确认无需跟进，已结束。")
        return
    now = context.svc.clock.now()
    changes: dict[str, Any] = {"review": "go"}
    if item.get("paused"):
        item.update(paused=False, cycle_start=context.svc.today().isoformat(), visit=1)
        ds.schedule_visit(item, now)
        changes.update(
            paused=False,
            cycle_start=item["cycle_start"],
            visit=1,
            opens=item["opens"],
            due=item["due"],
            rung=item["rung"],
            next_at=item["next_at"],
        )
    ds.items.update(item["id"], **changes)
    ds.arm_tick()
    owner = context.svc.members.get(item["owner"])
    context.svc.scheduler.notify(
        ds.route_owner(item, now),
        f"📌 组长 {member.name} 复核客户 {who}（#{item['id']}）：需要继续跟进。"
        f"第 {item['visit']} 次回访 {ds.fmt(parse_iso(item['due']))} 前完成。",
        key=f"deadlines:{item['id']}:review-go:{iso(now)}",
        kind="deadlines",
    )
    await query.answer("已安排继续跟进。")
    await query.edit_message_text(
        f"#{item['id']} {who}：{member.name} 要求继续跟进（负责人 {_who(owner)}）。"
    )


# ---- planners ---------------------------------------------------------------------------


def plan(svc: Services, start: datetime, end: datetime) -> None:
    """Store the routine reminders and the daily review falling in ``[start, end)``."""
    ds: DeadlineService = svc.feature["deadlines"]
    tz = svc.settings.timezone
    day = svc.local(start).date() - timedelta(days=1)
    last = svc.local(end).date()
    while day <= last:
        review = datetime.combine(day, ds.conf.review_at, tzinfo=tz)
        if start <= review < end:
            svc.scheduler.at("deadlines:review", review, key=f"deadlines:review:{day.isoformat()}")
        for routine in ds.conf.routines:
            when = datetime.combine(day, routine.at, tzinfo=tz)
            if not start <= when < end:
                continue
            if routine.weekdays and day.isoweekday() not in routine.weekdays:
                continue
            if routine.workdays_only and not ds.calendar.is_workday(day):
                continue
            target: dict[str, Any] = {"team": True} if routine.to == "team" else {"leads": None}
            svc.scheduler.notify(
                target,
                routine.text,
                key=f"deadlines:routine:{routine.name}:{day.isoformat()}",
                due=when,
                kind="deadlines",
            )
        day += timedelta(days=1)


def register(app: Application, svc: Services) -> None:
    """Wire the deadlines handlers, timers and planners."""
    ds = DeadlineService(svc)
    svc.feature["deadlines"] = ds
    handlers = {
        "unpaid": unpaid,
        "dunned": dunned,
        "paid": paid,
        "prospect": prospect,
        "visit": visit,
        "replied": replied,
        "bought": bought,
        "lost": lost,
        "ticket": ticket,
        "shipped": shipped,
        "done": done,
        "mine": mine,
        "due": due,
        "overdue": overdue,
        "reassign": reassign,
    }
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])
    app.add_handler(
        CallbackQueryHandler(review_decision, pattern=r"^deadlines:review:\d+:(stop|go)$")
    )
    svc.scheduler.on(TICK, ds.on_tick)
    svc.scheduler.on("deadlines:review", on_review)
    svc.scheduler.add_planner(plan)
    ds.rebuild()
    ds.warn_calendar()
