"""The deadlines service: opens, arms, describes and closes items; shared with other features.

Every open item stores its next ladder rung (``rung``, ``next_at``); the scheduler holds one
timer, ``deadlines:tick``, at the earliest of them. When it fires, every item that reached
a rung sends it (the latest one after downtime) and moves to the next, in one batch.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import TeamTime
from bot.config import Settings
from bot.config.core import Platform
from bot.config.deadlines import DeadlinesSettings
from bot.domain.deadlines import (
    OPEN,
    OVERDUE,
    Rule,
    Rung,
    due_time,
    first_rung,
    is_overdue,
    ladder,
    next_rung,
)
from bot.domain.members import WEEKDAY_NAMES, Member
from bot.domain.text import mask_phones
from bot.domain.times import iso, parse_iso
from bot.domain.workdays import WorkCalendar
from bot.persistence.deadlines import ItemRepo
from bot.persistence.members import MemberRepo
from bot.scheduling import Scheduler
from bot.scripts import ScriptBook
from bot.services.roster import Roster

log = logging.getLogger(__name__)

DUNNING = "dunning"
FOLLOWUP = "followup"
TICKET = "ticket"
SHIPPED = "shipped"

TICK = "deadlines:tick"
REVIEW = "deadlines:review"
_SCHEDULE_KEYS = ("opens", "due", "rung", "next_at")


class DeadlineService:
    """Opens, arms, describes and closes deadline items; shared with other features."""

    def __init__(
        self,
        settings: Settings,
        time: TeamTime,
        items: ItemRepo,
        members: MemberRepo,
        roster: Roster,
        scheduler: Scheduler,
        scripts: ScriptBook,
    ) -> None:
        self.settings = settings
        self.time = time
        self.conf: DeadlinesSettings = settings.deadlines
        self.items = items
        self.members = members
        self.roster = roster
        self.scheduler = scheduler
        self.scripts = scripts
        self.calendar = WorkCalendar(self.conf.holidays, self.conf.workdays)
        self._tick: str | None = None  # due time of the pending deadlines timer

    # ---- time helpers -------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        """Return the team's timezone."""
        return self.settings.timezone

    def fmt(self, moment: datetime) -> str:
        """Return a moment as 今天 10:30 / 明天 10:30 / 11-30（周一）10:30."""
        local = self.time.local(moment)
        today = self.time.today()
        if local.date() == today:
            return f"今天 {local:%H:%M}"
        if local.date() == today + timedelta(days=1):
            return f"明天 {local:%H:%M}"
        return f"{local:%m-%d}（{WEEKDAY_NAMES[local.weekday()]}）{local:%H:%M}"

    def rule(self, name: str) -> Rule:
        """Return a rule by name."""
        return self.conf.rules[name]

    # ---- opening items ------------------------------------------------------------------

    def new_item(
        self, kind: str, ref: str, creator: Member, received: datetime, **fields: Any
    ) -> dict[str, Any]:
        """Return a new item owned by its creator (not stored yet); ``fields`` add or override."""
        return {
            "type": kind,
            "ref": ref,
            "platform": None,
            "note": "",
            "owner": creator.user_id,
            "creator": creator.user_id,
            "created": iso(self.time.now()),
            "received": iso(received),
            **fields,
        }

    def store(self, item: dict[str, Any]) -> dict[str, Any]:
        """Store an armed new item, give it its number, keep the tick in step and return it."""
        item["id"] = self.items.add(item)
        self.arm_tick()
        return item

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
        now = self.time.now()
        item = self.new_item(
            kind,
            ref,
            creator,
            received,
            rule=rule_name,
            platform=platform,
            note=note,
            owner=owner.user_id,
            due=iso(due),
            opens=None,
            rung=first_rung(ladder(rule, due), now),
            **extra,
        )
        self.arm(item)
        return self.store(item)

    def _owner(self, rule: Rule, platform: str | None, creator: Member, due: datetime) -> Member:
        """Return who owns a new item: the creator, or the account holder (谁挂号谁催付)."""
        if rule.owner != "holder" or platform is None or platform in self.conf.shared_platforms:
            return creator
        for account in self.accounts(platform):
            holder = self.roster.holder(account, due)
            if holder is not None:
                return holder
        return creator

    def platform(self, key: str | None) -> Platform | None:
        """Return the platform of a key (None for none or an unknown one)."""
        return next((p for p in self.settings.platforms if p.key == key), None)

    def accounts(self, key: str | None) -> tuple[str, ...]:
        """Return the shop accounts of a platform (none for an unknown one)."""
        found = self.platform(key)
        return tuple(found.accounts) if found else ()

    def platform_word(self, word: str) -> str | None:
        """Return the platform key a user's word names (key or Chinese name)."""
        wanted = word.strip().casefold()
        for platform in self.settings.platforms:
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
            self.scheduler.cancel(TICK)
        else:
            self.scheduler.at(TICK, parse_iso(soonest), key=TICK, replace=True)
        self._tick = soonest

    def tick_fired(self) -> None:
        """Forget the pending timer: the scheduler dropped it before calling its handler."""
        self._tick = None

    def rebuild(self) -> None:
        """Arm the deadlines timer from the open items (after a restore, or a lost file)."""
        pending = self.scheduler.timers.pending(TICK)
        self._tick = iso(pending[0].due) if pending else None
        self.arm_tick()

    # ---- follow-up cadence --------------------------------------------------------------

    def schedule_visit(self, item: dict[str, Any], now: datetime) -> None:
        """Set the window of the item's next visit from its cycle start and arm it."""
        start = datetime.fromisoformat(item["cycle_start"]).date()
        opens, due = self.conf.cadence.window(start, item["visit"], self.tz)
        if due <= now:  # the window went by before the previous visit: give until today's end
            local = self.time.local(now)
            due = local.replace(
                hour=self.conf.cadence.due_at.hour, minute=self.conf.cadence.due_at.minute
            )
            if due <= now:
                due += timedelta(days=1)
            opens = now
        item["opens"], item["due"] = iso(opens), iso(due)
        item["rung"] = next_rung(self.rungs(item), now)
        self.arm(item)

    def reschedule(self, item: dict[str, Any], now: datetime, **changes: Any) -> None:
        """Apply ``changes``, move the item's next visit window, store both and re-arm."""
        item.update(changes)
        self.schedule_visit(item, now)
        self.items.update(item["id"], **changes, **{k: item[k] for k in _SCHEDULE_KEYS})
        self.arm_tick()

    def restart_cycle(self, item: dict[str, Any], now: datetime, **changes: Any) -> None:
        """Start the visits over from today (the customer replied, or a lead said go on)."""
        self.reschedule(item, now, cycle_start=self.time.today().isoformat(), visit=1, **changes)

    # ---- scripts ------------------------------------------------------------------------

    def render_script(self, name: str, values: dict[str, Any], member: Member | None) -> str:
        """Render a reply script of the scripts feature; empty when it is not available."""
        if member is None:
            return ""
        try:
            return str(self.scripts.render(name, values, member))
        except Exception as err:  # a missing or broken script must not stop the reminder
            log.warning("script %s not rendered: %s", name, err)
            return ""

    # ---- describing ---------------------------------------------------------------------

    def describe(self, item: dict[str, Any]) -> str:
        """Return e.g. ``催付 #3 订单 3391827740（天猫）``."""
        kind = item["type"]
        number = f"#{item['id']}"
        if kind == DUNNING:
            platform = self.platform(item.get("platform"))
            where = f"（{platform.name}）" if platform else ""
            return f"催付 {number} 订单 {item['ref']}{where}"
        if kind == FOLLOWUP:
            return f"回访 {number} 客户 {mask_phones(item['ref'])}（{item.get('cls', 'A')}类）"
        if kind == SHIPPED:
            return f"发货回访 {number} 订单 {item['ref']}"
        return f"{self.rule(item['rule']).label} {number} 工单 {item['ref']}"

    def owner_of(self, item: dict[str, Any]) -> str:
        """Return the item's owner as ``3号 王五`` (or a note that they left)."""
        return who(self.members.get(item["owner"]))

    def due_of(self, item: dict[str, Any]) -> str:
        """Return the item's due time as :meth:`fmt` writes it."""
        return self.fmt(parse_iso(item["due"]))

    def line(self, item: dict[str, Any], now: datetime, with_owner: bool = False) -> str:
        """Return one line of a list: description, due, overdue mark, owner."""
        due = parse_iso(item["due"])
        text = f"{self.describe(item)} · 应于 {self.fmt(due)}"
        if item.get("paused"):
            text += " · 待组长复核"
        elif is_overdue(due, now):
            minutes = int((now - due).total_seconds() // 60)
            text = f"⚠️ {text} · 已超时 {duration(minutes)}"
        if with_owner:
            text += f" · {self.owner_of(item)}"
        return text

    def listing(
        self, items: list[dict[str, Any]], now: datetime, with_owner: bool = False
    ) -> list[str]:
        """Return the lines of a list cut at ``list_limit``, with a line counting the rest."""
        limit = self.conf.list_limit
        lines = [self.line(i, now, with_owner) for i in items[:limit]]
        if len(items) > limit:
            lines.append(f"……另有 {len(items) - limit} 项未列出（按到期先后只列前 {limit} 项）")
        return lines

    def opened_text(self, item: dict[str, Any], verb: str) -> str:
        """Return the confirmation of a new item: what, due when, whose, and if already late."""
        due = parse_iso(item["due"])
        text = (
            f"已登记{verb}：{self.describe(item)}，应于 {self.fmt(due)} 前完成"
            f" · 负责人 {self.owner_of(item)}"
        )
        if is_overdue(due, self.time.now()):
            text += "\n⚠️ 已经超时，请立即处理。"
        return text

    # ---- closing ------------------------------------------------------------------------

    def close(self, item: dict[str, Any], status: str, by: Member | None, **fields: Any) -> bool:
        """Archive an item with its last ``fields`` (its timer goes with it); return if late."""
        now = self.time.now()
        late = is_overdue(parse_iso(item["due"]), now)
        # The tick may still point at this item's next rung; waking for nothing is harmless.
        self.items.close(item["id"], status, now, by.user_id if by else None, **fields)
        return late


def who(member: Member | None) -> str:
    """Return a member as ``3号 王五`` (or a note that they left the team)."""
    return f"{member.work_no}号 {member.name}" if member else "（已不在团队）"


def duration(minutes: int) -> str:
    """Return a span of minutes as 分钟 / 小时 / 天 the way a person would say it."""
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {rest} 分钟" if rest else f"{hours} 小时"
    return f"{hours // 24} 天"
