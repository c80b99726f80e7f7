"""Deadlines reminders: the tick that sends due rungs, who gets them, and the routines."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.clock import TeamTime
from bot.config import Settings
from bot.domain.deadline_item import DUNNING, DeadlineItem
from bot.domain.deadlines import (
    OPEN,
    OVERDUE,
    WARN,
    Rung,
    last_passed,
    lateness_minutes,
    skipped_overdue,
)
from bot.domain.members import Member, Role, short_name
from bot.domain.times import iso
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Notification, Timer
from bot.scheduling import Scheduler
from bot.services.deadlines.platforms import accounts_of
from bot.services.deadlines.tracker import Tracker
from bot.services.deadlines.wording import Wording, duration
from bot.services.roster import Coverage, Roster

REVIEW = "deadlines:review"
EXPIRE = "deadlines:expire"  # once a day: close orders the platform has closed unpaid
EXPIRE_AT = time(4, 0)  # before anyone is on duty, so the day's lists start tidy
CALENDAR_TOLD = "deadlines:calendar_told"  # the key of the last calendar note sent

TICK_SLICE = 50  # due items worked out between two chances for other commands to run
Target = dict[str, Any]  # a notification's recipient, as the scheduler takes it
# a due item as read, as worked out (next rung armed), and the notes of its rung
Worked = tuple[DeadlineItem, DeadlineItem, list[Notification]]


@dataclass
class Alerts:
    """What each rung sends and to whom, notes about changes, routines and the review timer."""

    settings: Settings
    time: TeamTime
    tracker: Tracker
    wording: Wording
    members: MemberRepo
    roster: Roster
    scheduler: Scheduler

    # ---- the tick -----------------------------------------------------------------------

    async def on_tick(self, _timer: Timer, _late: bool) -> None:
        """Send the rung every due item reached (only the latest one, after downtime).

        The wording and routing of a burst of hundreds is worked out in slices, letting
        other commands run in between; an item a command changed meanwhile is left to the
        next tick. The notes are queued in one write, the items stored in another.
        """
        self.tracker.tick_fired()
        now = self.time.now()
        reached = sorted(self.tracker.items.reached(now), key=lambda i: (i.next_at, i.id))
        memo: Coverage = {}  # the roster's coverage per shift occurrence, for this tick only
        worked: list[Worked] = []
        for count, item in enumerate(reached, 1):
            before = replace(item)
            rungs = self.tracker.rungs(item)
            index = last_passed(rungs, item.rung, now)
            notes: list[Notification] = []
            if index >= 0:
                owner_missed = skipped_overdue(rungs, item.rung, index)
                notes = self._rung_notes(item, rungs[index], now, owner_missed, memo)
                item.rung = index + 1
            self.tracker.arm(item)
            worked.append((before, item, notes))
            if count % TICK_SLICE == 0 and count < len(reached):
                await asyncio.sleep(0)
        sliced = len(reached) > TICK_SLICE
        if sliced:
            worked = self._unchanged(worked)
        self.scheduler.notify_many([n for _b, _i, notes in worked for n in notes])
        if not sliced:
            self.tracker.items.save_many([item for _b, item, _n in worked])
        else:
            # Storing hundreds of items is the other long write: one shard (one fsynced
            # write) at a time, letting commands in before each. An item they change keeps
            # their change; its notes are queued, and the next tick sending the same rung
            # again is dropped, the outbox knowing each key.
            shards: dict[int, list[Worked]] = {}
            for work in worked:
                shards.setdefault(self.tracker.items.shard_of(work[0].id), []).append(work)
            for group in shards.values():
                await asyncio.sleep(0)
                self.tracker.items.save_many([item for _b, item, _n in self._unchanged(group)])
        self.tracker.arm_tick()

    def _unchanged(self, worked: list[Worked]) -> list[Worked]:
        """Keep the items no command closed or changed since the tick read them."""
        return [w for w in worked if self.tracker.items.get(w[0].id) == w[0]]

    def _rung_notes(
        self,
        item: DeadlineItem,
        rung: Rung,
        now: datetime,
        owner_missed: bool = False,
        memo: Coverage | None = None,
    ) -> list[Notification]:
        """Return the notifications of one rung, one per distinct recipient.

        ``owner_missed``: the 已超时 rung was skipped (downtime), so an escalation also tells
        the owner, who would otherwise never hear about their own overdue item.
        """
        desc = self.wording.describe(item)
        due = self.wording.due_of(item)
        owner = self.members.get(item.owner)
        late = duration(lateness_minutes(item.due, max(now, rung.at)))
        targets: list[Target] = [self.route_owner(item, rung.at, memo)]
        if rung.kind == WARN:
            text = f"⏰ {desc} 还有 {rung.minutes} 分钟到期（{due}）· 负责人 {short_name(owner)}"
        elif rung.kind == OPEN:
            text = self._visit_text(item, owner)
        elif rung.kind == OVERDUE:
            text = f"🔴 已超时：{desc}，应于 {due} 完成 · 负责人 {short_name(owner)}"
            targets.append(self.lead_target(owner, rung.at))
        else:
            text = (
                f"🚨 已超时 {late}，仍未处理：{desc}，应于 {due} 完成"
                f" · 负责人 {short_name(owner)}，请组长跟进"
            )
            owner_target = targets[0]
            targets = self._escalation_targets()
            if owner_missed and owner_target not in targets:
                overdue = (
                    f"🔴 已超时 {late}：{desc}，应于 {due} 完成，请立即处理"
                    f" · 负责人 {short_name(owner)}"
                )
                notes = self._notes(item, Rung(rung.at, OVERDUE), [owner_target], overdue)
                return notes + self._notes(item, rung, targets, text)
        return self._notes(item, rung, targets, text)

    def _notes(
        self, item: DeadlineItem, rung: Rung, targets: list[Target], text: str
    ) -> list[Notification]:
        """Return one notification of ``text`` per distinct target, keyed by item and rung."""
        base = f"deadlines:{item.id}:{rung.kind}:{iso(rung.at)}"
        # Never dated before the item existed: registered overdue is news, not 补发.
        when = max(rung.at, item.created)
        notes: list[Notification] = []
        seen: list[Target] = []
        for target in targets:
            if target in seen:
                continue
            seen.append(target)
            suffix = ":".join(f"{k}={v}" for k, v in target.items())
            notes.append(Notification(f"{base}:{suffix}", when, target, text, "deadlines"))
        return notes

    def _escalation_targets(self) -> list[Target]:
        """Return the admins and the leads (their chat, else each of them)."""
        users = {m.user_id for m in self.members.with_role(Role.ADMIN)}
        result: list[Target] = []
        if self.settings.leads_chat is not None:
            result.append({"leads": None})
        else:
            users |= {m.user_id for m in self.members.leads(None)}
        result.extend({"user": u} for u in sorted(users))
        return result

    def _visit_text(self, item: DeadlineItem, owner: Member | None) -> str:
        """Return the reminder that a visit window opened, with the visit's reply script."""
        lines = [
            f"📞 {self.wording.describe(item)}：今天开始第 {item.visit} 次回访，"
            f"请在 {self.wording.due_of(item)} 前完成"
            f"（顾虑：{item.concern or '未填写'}）· 负责人 {short_name(owner)}",
            f"回访后发送 /visit {item.ref} [说明]；客户回复了发送 /replied {item.ref}。",
        ]
        script = self.wording.script(
            f"followup/visit{item.visit}", {"customer": item.ref, "concern": item.concern}, owner
        )
        if script:
            lines.append(f"参考话术：\n{script}")
        return "\n".join(lines)

    # ---- routing ------------------------------------------------------------------------

    def on_shift(self, member: Member, moment: datetime) -> bool:
        """Whether ``member`` is working at ``moment`` (members without a shift always are)."""
        if member.shift is None:
            return True
        local_day = self.time.local(moment).date()
        for day in (local_day, local_day - timedelta(days=1)):
            key = self.roster.shift_of(member, day)
            shift = self.settings.shift(key) if key else None
            if shift is not None and shift.contains(moment, day, self.settings.timezone):
                return True
        return False

    def _running_shift_leads(self, moment: datetime) -> Target:
        occurrence = self.roster.current(moment)
        return {"leads": occurrence.shift.key if occurrence else None}

    def lead_target(self, owner: Member | None, moment: datetime) -> Target:
        """Return the leads of the owner's shift (else of the shift running at ``moment``)."""
        if owner is not None and owner.shift is not None:
            return {"leads": owner.shift}
        return self._running_shift_leads(moment)

    def route_owner(
        self, item: DeadlineItem, moment: datetime, memo: Coverage | None = None
    ) -> Target:
        """Return where the owner's reminder goes: the owner on shift, else the account
        holder on duty, else the leads of the running shift.

        ``memo`` keeps the roster's coverage per shift occurrence across one batch of calls.
        """
        owner = self.members.get(item.owner)
        if owner is not None and not owner.removed and self.on_shift(owner, moment):
            return {"user": owner.user_id}
        for account in accounts_of(self.settings.platforms, item.platform):
            holder = self.roster.holder(account, moment, memo)
            if holder is not None and self.on_shift(holder, moment):
                return {"user": holder.user_id}
        return self._running_shift_leads(moment)

    def notify_owner(
        self, item: DeadlineItem, now: datetime, text: str, tag: str, extra: str = ""
    ) -> None:
        """Tell the item's owner (routed like a reminder) about a change someone else made."""
        key = f"deadlines:{item.id}:{tag}:{iso(now)}" + (f":{extra}" if extra else "")
        self.scheduler.notify(self.route_owner(item, now), text, key=key, kind="deadlines")

    async def on_expire(self, timer: Timer, _late: bool) -> None:
        """Close unpaid orders older than the platform keeps them, and tell each owner once.

        A chased order the buyer never paid, or one nobody chased, would otherwise stay open
        for ever; it counts as not converted (催付未成交). Running again closes nothing twice.
        """
        after = self.settings.deadlines.unpaid_close_after
        now = self.time.now()
        old = [
            i for i in self.tracker.items.all() if i.kind == DUNNING and i.received + after <= now
        ]
        hours = int(after.total_seconds() // 3600)
        by_owner: dict[int, list[DeadlineItem]] = {}
        for item in old:
            self.tracker.close(item, "expired", None, now, f"超过 {hours} 小时未付款")
            by_owner.setdefault(item.owner, []).append(item)
        for owner, items in by_owner.items():
            orders = "\n".join(self.wording.describe(i) for i in items)
            self.scheduler.notify(
                {"user": owner},
                f"🗂 以下拍下未付款的订单已超过 {hours} 小时，按平台自动关闭处理，"
                f"待办结束（计入催付未成交）：\n{orders}",
                key=f"{EXPIRE}:{timer.key}:{owner}",
                due=timer.due,
                kind="deadlines",
            )
        if old:
            self.tracker.arm_tick()

    # ---- routines and start-up ----------------------------------------------------------

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the routine reminders and the daily review falling in ``[start, end)``."""
        tz = self.settings.timezone
        day = self.time.local(start).date() - timedelta(days=1)
        last = self.time.local(end).date()
        while day <= last:
            review = datetime.combine(day, self.settings.deadlines.review_at, tzinfo=tz)
            if start <= review < end:
                self.scheduler.at(REVIEW, review, key=f"{REVIEW}:{day.isoformat()}")
            expire = datetime.combine(day, EXPIRE_AT, tzinfo=tz)
            if start <= expire < end:
                self.scheduler.at(EXPIRE, expire, key=f"{EXPIRE}:{day.isoformat()}")
            for routine in self.settings.deadlines.routines:
                when = datetime.combine(day, routine.at, tzinfo=tz)
                if not start <= when < end:
                    continue
                if routine.weekdays and day.isoweekday() not in routine.weekdays:
                    continue
                if routine.workdays_only and not self.tracker.calendar.is_workday(day):
                    continue
                target: Target = {"team": True} if routine.to == "team" else {"leads": None}
                self.scheduler.notify(
                    target,
                    routine.text,
                    key=f"deadlines:routine:{routine.name}:{day.isoformat()}",
                    due=when,
                    kind="deadlines",
                )
            day += timedelta(days=1)

    def warn_calendar(self) -> None:
        """Tell the admins privately which coming years the holiday calendar does not know.

        At most once a week (a bot restarted daily, or in a loop, does not repeat itself),
        with the settings lines to add. Only when no admin can be messaged privately does it
        go to the team chat, with the same weekly limit.
        """
        today = self.time.today()
        conf = self.settings.deadlines
        years = self.tracker.calendar.uncovered_years(today, conf.calendar_warn_days)
        if not years:
            return
        listed = "、".join(str(y) for y in years)
        first = years[0]
        text = (
            f"⚠️ 机器人自带的节假日表只到 {first - 1} 年，"
            f"不知道 {listed} 年哪天放假、哪天调休上班。"
            f"在补上之前，{listed} 年按周一至周五上班计算：春节、国庆等假期会被当成工作日，"
            "调休的周末会被当成休息日，催付、工单的时限和周例会提醒都会按这个算。\n"
            "请在 config.toml 的 [deadlines] 一节写上国务院公布的放假日和调休上班日"
            "（下面的日期只是格式示例，请换成公布的日期），然后重启机器人：\n"
            f"holidays = {_dates_line(conf.holidays, f'{first}-01-01')}\n"
            f"workdays = {_dates_line(conf.workdays, f'{first}-02-20')}"
        )
        year, week, _ = today.isocalendar()
        key = f"deadlines:calendar:{listed}:{year}-W{week:02d}"
        # The outbox forgets sent notes after a few days; the week told is kept apart.
        if self.scheduler.timers.meta(CALENDAR_TOLD) == key:
            return
        self.scheduler.timers.set_meta(CALENDAR_TOLD, key)
        reachable = [a for a in self.members.with_role(Role.ADMIN) if a.can_dm]
        # A blind private message to an admin who never sent /start would be refused and
        # mark them unreachable; with nobody to tell privately, the team chat hears it, still
        # at most once a week.
        if not reachable:
            self.scheduler.notify({"team": True}, text, key=key, kind="deadlines")
        for admin in reachable:
            self.scheduler.notify(
                {"user": admin.user_id}, text, key=f"{key}:{admin.user_id}", kind="deadlines"
            )


def _dates_line(known: frozenset[date], example: str) -> str:
    """Return a TOML list of the dates already set, or of one example date."""
    days = sorted(d.isoformat() for d in known) or [example]
    return "[" + ", ".join(days) + "]"
