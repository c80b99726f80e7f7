"""Deadlines reminders: the tick that sends due rungs, who gets them, and the routines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.deadlines import OPEN, OVERDUE, WARN, Rung, last_passed
from bot.domain.members import Member, Role
from bot.domain.times import iso, parse_iso
from bot.persistence.timers import Notification, Timer
from bot.services.container import Services
from bot.services.deadlines import REVIEW, DeadlineService, who

Target = dict[str, Any]


async def on_tick(svc: Services, _timer: Timer, _late: bool) -> None:
    """Send the rung every due item reached (only the latest one, after downtime)."""
    ds: DeadlineService = svc.deadlines
    ds.tick_fired()
    now = svc.clock.now()
    limit = iso(now)
    due = [dict(i) for i in ds.items.iter() if i.get("next_at") and i["next_at"] <= limit]
    notes: list[Notification] = []
    changes: dict[int, dict[str, Any]] = {}
    for item in sorted(due, key=lambda i: (i["next_at"], i["id"])):
        rungs = ds.rungs(item)
        index = last_passed(rungs, item["rung"], now)
        if index >= 0:
            notes.extend(_rung_notes(ds, item, rungs[index]))
            item["rung"] = index + 1
        ds.arm(item)
        changes[item["id"]] = {"rung": item["rung"], "next_at": item["next_at"]}
    svc.scheduler.notify_many(notes)  # one write for a burst of hundreds
    ds.items.update_many(changes)
    ds.arm_tick()


def _rung_notes(ds: DeadlineService, item: dict[str, Any], rung: Rung) -> list[Notification]:
    """Return the notifications of one rung, one per distinct recipient."""
    desc = ds.describe(item)
    due = ds.due_of(item)
    owner = ds.members.get(item["owner"])
    targets: list[Target] = [route_owner(ds, item, rung.at)]
    if rung.kind == WARN:
        text = f"⏰ {desc} 还有 {rung.minutes} 分钟到期（{due}）· 负责人 {who(owner)}"
    elif rung.kind == OPEN:
        text = _visit_text(ds, item, owner)
    elif rung.kind == OVERDUE:
        text = f"🔴 已超时：{desc}，应于 {due} 完成 · 负责人 {who(owner)}"
        targets.append(lead_target(ds, owner, rung.at))
    else:
        text = (
            f"🚨 超时 {rung.minutes} 分钟仍未处理：{desc}，应于 {due} 完成"
            f" · 负责人 {who(owner)}，请组长跟进"
        )
        targets = _escalation_targets(ds)
    base = f"deadlines:{item['id']}:{rung.kind}:{iso(rung.at)}"
    notes: list[Notification] = []
    seen: list[Target] = []
    for target in targets:
        if target in seen:
            continue
        seen.append(target)
        suffix = ":".join(f"{k}={v}" for k, v in target.items())
        # Never dated before the item existed: registered overdue is news, not 补发.
        when = max(rung.at, parse_iso(item["created"]))
        notes.append(Notification(f"{base}:{suffix}", when, target, text, "deadlines"))
    return notes


def _escalation_targets(ds: DeadlineService) -> list[Target]:
    """Return the admins and the leads (their chat, else each of them)."""
    users = {m.user_id for m in ds.members.with_role(Role.ADMIN)}
    result: list[Target] = []
    if ds.settings.leads_chat is not None:
        result.append({"leads": None})
    else:
        users |= {m.user_id for m in ds.members.leads(None)}
    result.extend({"user": u} for u in sorted(users))
    return result


def _visit_text(ds: DeadlineService, item: dict[str, Any], owner: Member | None) -> str:
    """Return the reminder that a visit window opened, with the visit's reply script."""
    visit = item["visit"]
    lines = [
        f"📞 {ds.describe(item)}：今天开始第 {visit} 次回访，请在 {ds.due_of(item)} 前完成"
        f"（顾虑：{item.get('concern') or '未填写'}）· 负责人 {who(owner)}",
        f"回访后发送 /visit {item['ref']} [说明]；客户回复了发送 /replied {item['ref']}。",
    ]
    script = ds.render_script(
        f"followup/visit{visit}",
        {"customer": item["ref"], "concern": item.get("concern") or ""},
        owner,
    )
    if script:
        lines.append(f"参考话术：\n{script}")
    return "\n".join(lines)


# ---- routing ----------------------------------------------------------------------------


def on_shift(ds: DeadlineService, member: Member, moment: datetime) -> bool:
    """Whether ``member`` is working at ``moment`` (members without a shift always are)."""
    if member.shift is None:
        return True
    local_day = ds.time.local(moment).date()
    for day in (local_day, local_day - timedelta(days=1)):
        key = ds.roster.shift_of(member, day)
        shift = ds.settings.shift(key) if key else None
        if shift is not None and shift.contains(moment, day, ds.tz):
            return True
    return False


def _running_shift_leads(ds: DeadlineService, moment: datetime) -> Target:
    occurrence = ds.roster.current(moment)
    return {"leads": occurrence.shift.key if occurrence else None}


def lead_target(ds: DeadlineService, owner: Member | None, moment: datetime) -> Target:
    """Return the leads of the owner's shift (else of the shift running at ``moment``)."""
    if owner is not None and owner.shift is not None:
        return {"leads": owner.shift}
    return _running_shift_leads(ds, moment)


def route_owner(ds: DeadlineService, item: dict[str, Any], moment: datetime) -> Target:
    """Return where the owner's reminder goes: the owner on shift, else the account
    holder on duty, else the leads of the running shift."""
    owner = ds.members.get(item["owner"])
    if owner is not None and not owner.removed and on_shift(ds, owner, moment):
        return {"user": owner.user_id}
    for account in ds.accounts(item.get("platform")):
        holder = ds.roster.holder(account, moment)
        if holder is not None and on_shift(ds, holder, moment):
            return {"user": holder.user_id}
    return _running_shift_leads(ds, moment)


def notify_owner(
    ds: DeadlineService,
    item: dict[str, Any],
    now: datetime,
    text: str,
    tag: str,
    extra: str = "",
) -> None:
    """Tell the item's owner (routed like a reminder) about a change someone else made."""
    key = f"deadlines:{item['id']}:{tag}:{iso(now)}" + (f":{extra}" if extra else "")
    ds.scheduler.notify(route_owner(ds, item, now), text, key=key, kind="deadlines")


# ---- routines and start-up --------------------------------------------------------------


def plan(svc: Services, start: datetime, end: datetime) -> None:
    """Store the routine reminders and the daily review falling in ``[start, end)``."""
    ds: DeadlineService = svc.deadlines
    tz = svc.settings.timezone
    day = svc.local(start).date() - timedelta(days=1)
    last = svc.local(end).date()
    while day <= last:
        review = datetime.combine(day, ds.conf.review_at, tzinfo=tz)
        if start <= review < end:
            svc.scheduler.at(REVIEW, review, key=f"{REVIEW}:{day.isoformat()}")
        for routine in ds.conf.routines:
            when = datetime.combine(day, routine.at, tzinfo=tz)
            if not start <= when < end:
                continue
            if routine.weekdays and day.isoweekday() not in routine.weekdays:
                continue
            if routine.workdays_only and not ds.calendar.is_workday(day):
                continue
            target: Target = {"team": True} if routine.to == "team" else {"leads": None}
            svc.scheduler.notify(
                target,
                routine.text,
                key=f"deadlines:routine:{routine.name}:{day.isoformat()}",
                due=when,
                kind="deadlines",
            )
        day += timedelta(days=1)


def warn_calendar(ds: DeadlineService) -> None:
    """Tell the admins at start which coming years the holiday calendar does not know.

    Privately to admins the bot can reach, else in the team chat; at most once a day,
    so a bot restarted in a loop does not repeat itself.
    """
    today = ds.time.today()
    years = ds.calendar.uncovered_years(today, ds.conf.calendar_warn_days)
    if not years:
        return
    listed = "、".join(str(y) for y in years)
    text = (
        f"⚠️ 节假日日历未覆盖 {listed} 年：这些年份的工作日按周一至周五计算，"
        "再加上设置中 [deadlines] 的 holidays（放假日）与 workdays（调休上班日）。"
        f"请主管在设置中补充 {listed} 年的法定节假日与调休安排。"
    )
    key = f"deadlines:calendar:{listed}:{today.isoformat()}"
    reachable = [a for a in ds.members.with_role(Role.ADMIN) if a.can_dm]
    # A blind private message to an admin who never sent /start would mark them
    # unreachable; the team chat reaches them all.
    if not reachable:
        ds.scheduler.notify({"team": True}, text, key=key, kind="deadlines")
    for admin in reachable:
        ds.scheduler.notify(
            {"user": admin.user_id}, text, key=f"{key}:{admin.user_id}", kind="deadlines"
        )
