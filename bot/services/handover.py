"""The handover service: writing items, taking them over, and the handover timers.

Timers per shift occurrence (planned ahead, keyed by kind and occurrence):
``handover:remind`` (end − remind_before), ``handover:post`` (login), ``handover:alert``
(login + ack_alert_after, plus one per batch written or rolled over after login) and
``handover:rollover`` (end). Per item: ``handover:urgent`` (urgent_after past the later of
writing and the receiving shift's login). Every handler re-reads the items and acts only
on what is still open, so running one twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import TeamTime
from bot.config import Settings
from bot.domain import handover_text as fmt
from bot.domain.errors import UserError
from bot.domain.handover import (
    Draft,
    Item,
    ack_due,
    last_started,
    member_occurrence,
    next_occurrence,
    occ_from_key,
    occ_key,
    own_occurrence,
    receiving_occurrence,
    reminder_at,
    works_on,
)
from bot.domain.members import Member, Role, short_name
from bot.domain.shifts import ShiftOccurrence, occurrences_between
from bot.domain.times import iso
from bot.persistence.handover import HandoverRepo
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Timer
from bot.scheduling import Scheduler
from bot.services.messenger import Button, Keyboard, Messenger
from bot.services.roster import Roster


@dataclass(frozen=True)
class Written:
    """Items just written: the reply to their author, and whether to post them right away."""

    text: str
    target: str
    items: list[Item]
    started: bool  # the receiving shift already logged in


@dataclass(frozen=True)
class Pressed:
    """What a pressed 已接收/已处理 button answers, and what to refresh afterwards."""

    answer: str
    alert: bool = False  # shown as a dialog: the press was refused or found nothing
    changed: Item | None = None  # its cards show the new state
    refresh_list: bool = False  # the pressed list message is re-rendered


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


class HandoverService:
    """Handover items (交接) between shifts, and the reminders that keep them moving."""

    def __init__(
        self,
        settings: Settings,
        time: TeamTime,
        repo: HandoverRepo,
        members: MemberRepo,
        roster: Roster,
        scheduler: Scheduler,
        messenger: Messenger,
    ) -> None:
        self.settings = settings
        self.conf = settings.handover
        self.time = time
        self.repo = repo
        self.members = members
        self.roster = roster
        self.scheduler = scheduler
        self.messenger = messenger

    def register_timers(self) -> None:
        """Give the scheduler the handover timer handlers and the planner."""
        self.scheduler.on("handover:remind", self.remind)
        self.scheduler.on("handover:post", self.post_due)
        self.scheduler.on("handover:alert", self.alert)
        self.scheduler.on("handover:rollover", self.rollover)
        self.scheduler.on("handover:urgent", self.escalate)
        self.scheduler.add_planner(self.plan)

    def _label(self, key: str) -> str:
        return fmt.occ_label(key, self.settings.shifts)

    # ---- which shift hands over to which --------------------------------------------------

    def author_occurrence(self, member: Member, now: datetime) -> ShiftOccurrence:
        """Return the shift a member writes the handover from: their own, else the latest one."""
        tz = self.settings.timezone
        shifts = self.settings.shifts
        own = own_occurrence(shifts, lambda day: self.roster.shift_of(member, day), now, tz)
        return own or last_started(shifts, now, tz)

    def receiving_occurrence(self, occ: ShiftOccurrence, now: datetime) -> ShiftOccurrence:
        """Return the next shift after ``occ`` that has agents on duty and has not ended yet."""
        return receiving_occurrence(
            self.settings.shifts,
            occ,
            now,
            self.settings.timezone,
            lambda nxt: bool(self._agents_on(nxt)),
        )

    def _agents_on(self, occ: ShiftOccurrence) -> list[Member]:
        return [m for m in self.roster.on_duty(occ.day, occ.shift.key) if m.role is Role.AGENT]

    def _on_shift(self, member: Member, key: str) -> bool:
        return works_on(key, self.settings.shifts, lambda day: self.roster.shift_of(member, day))

    def _member_occurrence(self, member: Member, now: datetime) -> ShiftOccurrence | None:
        return member_occurrence(
            self.settings.shifts,
            lambda day: self.roster.shift_of(member, day),
            now,
            self.settings.timezone,
        )

    # ---- who may take an item over --------------------------------------------------------

    def authorize(self, member: Member, item: Item, action: str) -> None:
        """Refuse (UserError) a member who may not ``ack``, ``done`` or ``reassign`` an item.

        The assignee, else the receiving shift, takes an item over; leads always may. Its
        author may also close or reassign it, but not take it over.
        """
        if item.may_acknowledge(member, self._on_shift(member, item.to_occ)):
            return
        if action != "ack" and member.user_id == item.author_id:
            return
        raise UserError(fmt.refusal(item, self.settings.shifts))

    # ---- writing --------------------------------------------------------------------------

    def write(self, member: Member, drafts: list[Draft], now: datetime, mask: bool) -> Written:
        """Store parsed items for the next shift with agents on duty; return the reply."""
        tz = self.settings.timezone
        source = self.author_occurrence(member, now)
        target = self.receiving_occurrence(source, now)
        src, dst = occ_key(source), occ_key(target)
        login = target.start(tz)
        items = []
        for draft in drafts:
            item = Item(
                id=self.repo.next_id(),
                text=draft.text,
                author_id=member.user_id,
                author=short_name(member),
                from_occ=src,
                to_occ=dst,
                created_at=now,
                ack_due=ack_due(now, login, self.conf.ack_alert_after),
                order_no=draft.order_no,
                customer=draft.customer,
                urgent=draft.urgent,
                urgent_due=max(now, login) + self.conf.urgent_after if draft.urgent else None,
            )
            item.record("write", short_name(member), now, dst)
            self.repo.add(item)
            items.append(item)
            if item.urgent_due is not None:
                self.scheduler.at(
                    "handover:urgent",
                    item.urgent_due,
                    key=f"handover:urgent:{item.id}",
                    payload={"id": item.id},
                )
        self.repo.mark_written(src, member.user_id, False, now)
        self._ensure_timers(target, now)
        started = login <= now
        minutes = int(self.conf.urgent_after.total_seconds() // 60)
        text = fmt.written(items, src, target, started, minutes, tz, self.settings.shifts, mask)
        return Written(text, dst, items, started)

    async def announce(self, written: Written) -> None:
        """Post items written after their shift's login at once, and check on them later."""
        if not written.started:
            return  # posted at the login
        await self.post_items(written.target, written.items, None)
        self._alert_later(written.target, max(i.ack_due for i in written.items))

    def nothing(self, member: Member, now: datetime) -> str:
        """Record that a member has nothing to hand over in their shift; refuse after items."""
        source = occ_key(self.author_occurrence(member, now))
        if self.repo.written(source).get(member.user_id) is False:
            raise UserError(
                f"您在 {self._label(source)} 已写了交接事项，无需再登记“无”。发送 /handover 查看。"
            )
        self.repo.mark_written(source, member.user_id, True, now)
        return f"✅ 已登记：{short_name(member)} 在 {self._label(source)} 没有需要交接的事项。"

    # ---- taking items over ----------------------------------------------------------------

    async def take(
        self, member: Member, action: str, numbers: list[int], note: str, now: datetime
    ) -> str:
        """Acknowledge (``ack``) or close (``done``) items by number; return one line each."""
        answers = []
        for number in numbers:
            item = self.repo.get(number)
            if item is None:
                closed = self.repo.find_closed(number)
                if closed is None:
                    answers.append(f"找不到交接 #{number}（发送 /handover 查看未完成的事项）。")
                else:
                    answers.append(f"#{number} 已由 {closed.done_by} 处理过了，无需重复操作。")
                continue
            try:
                answers.append(self._apply(member, item, action, note, now))
            except UserError as err:
                answers.append(str(err))
                continue
            await self.refresh_cards(item)
        return "\n".join(answers)

    def press(self, member: Member, action: str, number: int, now: datetime) -> Pressed:
        """Acknowledge or close an item from its button; refuse people who may not."""
        item = self.repo.get(number)
        if item is None:
            closed = self.repo.find_closed(number)
            if closed is None:
                return Pressed(f"找不到交接 #{number}。", alert=True)
            return Pressed(f"#{number} 已由 {closed.done_by} 处理过了。", refresh_list=True)
        try:
            text = self._apply(member, item, action, "", now)
        except UserError as err:
            return Pressed(str(err), alert=True)
        return Pressed(text, changed=item, refresh_list=True)

    def _apply(self, member: Member, item: Item, action: str, note: str, now: datetime) -> str:
        """Acknowledge or close an item for ``member``; return a short confirmation."""
        self.authorize(member, item, action)
        if action == "ack":
            if not item.acknowledge(member.user_id, short_name(member), now):
                return f"#{item.id} 已由 {item.acked_by} 接收过了。"
            self.repo.save(item)
            return f"已接收 #{item.id}。"
        item.close(member.user_id, short_name(member), now, note)
        self.repo.save(item)
        return f"已处理 #{item.id}。"

    async def reassign(self, member: Member, number: int, work_no: str, now: datetime) -> str:
        """Give an item to one member, on their shift, who must take it over; tell them."""
        item = self.repo.get(number)
        if item is None:
            closed = self.repo.find_closed(number)
            if closed is not None:
                raise UserError(f"#{number} 已由 {closed.done_by} 处理完毕，不能再转交。")
            raise UserError(f"找不到交接 #{number}（发送 /handover 查看未完成的事项）。")
        target = self.members.by_work_no(work_no)
        if target is None:
            raise UserError(f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        self.authorize(member, item, "reassign")
        tz = self.settings.timezone
        shifts = self.settings.shifts
        if self._on_shift(target, item.to_occ):
            occ = occ_from_key(item.to_occ, shifts)
        else:
            occ = self._member_occurrence(target, now) or occ_from_key(item.to_occ, shifts)
        if occ is None:
            raise UserError(f"#{number} 的班次已不在配置中，请重新写一条交接。")
        key = occ_key(occ)
        by = short_name(member)
        item.reassign(target, key, occ.start(tz), now, self.conf.ack_alert_after, by)
        self.repo.save(item)
        await self.refresh_cards(item)
        if occ.start(tz) <= now:
            self._alert_later(key, item.ack_due)
        else:
            self._ensure_timers(occ, now)
        self.scheduler.notify(
            {"user": target.user_id},
            f"📋 {by} 把交接 #{item.id} 转交给您（{self._label(key)}）：\n"
            f"{fmt.brief(item, tz)}\n接收请发送 /handover ack {item.id}",
            key=f"handover:reassign:{item.id}:{iso(now)}",
        )
        return f"↪️ #{item.id} 已转交给 {short_name(target)}（{self._label(key)}），等待其接收。"

    # ---- lists ----------------------------------------------------------------------------

    def open_list(self, now: datetime, mask: bool) -> str:
        """Return the open items: for the running shift, for the next one, then the rest."""
        tz = self.settings.timezone
        shifts = self.settings.shifts
        current = self.roster.current(now) or last_started(shifts, now, tz)
        following = next_occurrence(shifts, current, tz)
        items = self.repo.open_items()
        return fmt.open_items(items, occ_key(current), occ_key(following), tz, shifts, mask)

    def history(self, day: date, mask: bool) -> str:
        """Return what was handed over on ``day``, and who had nothing to hand over."""
        items = self.repo.written_on(day)
        nothing = self.repo.nothing_on(day) + self.repo.nothing_archived(day)
        names: dict[int, str] = {}
        for _, member_id, _ in nothing:
            member = self.members.get(member_id)
            names[member_id] = short_name(member) if member else f"用户 {member_id}"
        tz = self.settings.timezone
        return fmt.history(day, items, nothing, names, tz, self.settings.shifts, mask)

    def pressed_list(self, numbers: list[int], mask: bool) -> tuple[str, Keyboard | None] | None:
        """Return a list message with its buttons, re-rendered (None: no item is known)."""
        items = [
            i for n in numbers if (i := self.repo.get(n) or self.repo.find_closed(n)) is not None
        ]
        if not items:
            return None
        return fmt.pressed_list(items, self.settings.timezone, mask), buttons(items)

    # ---- cards in the team chat -----------------------------------------------------------

    async def post_items(self, key: str, items: list[Item], header: str | None) -> None:
        """Post items as cards with buttons in the team chat and remember the messages."""
        if header:
            await self.messenger.to_chat(self.settings.team_chat, header)
        tz = self.settings.timezone
        for item in sorted(items, key=lambda i: (not i.urgent, i.id)):
            message = await self.messenger.to_chat(
                self.settings.team_chat,
                fmt.card(item, tz, self.settings.shifts, mask=True),
                buttons([item]),
            )
            if message is None:
                continue
            fresh = self.repo.get(item.id)  # re-read: a button may have been pressed meanwhile
            if fresh is None:
                continue
            old_cards = fresh.cards
            # Only the newest card stays live: editing every card ever posted at each rollover
            # grew without bound (an item open for a month had dozens) and floods the group.
            fresh.cards = [[message.chat_id, message.message_id]]
            fresh.posted_for = key
            self.repo.save(fresh)
            await self._retire_cards(fresh, old_cards)

    async def _retire_cards(self, item: Item, cards: list[list[int]]) -> None:
        """Turn earlier cards of an item into a pointer to its newest one, without buttons."""
        text = fmt.retired_card(item, self.settings.timezone, self.settings.shifts)
        for chat_id, message_id in cards:
            await self.messenger.edit(chat_id, message_id, text)

    async def refresh_cards(self, item: Item) -> None:
        """Show an item's new state on every card posted for it."""
        tz = self.settings.timezone
        for chat_id, message_id in item.cards:
            await self.messenger.edit(
                chat_id,
                message_id,
                fmt.card(item, tz, self.settings.shifts, mask=chat_id < 0),
                buttons([item]),
            )

    # ---- timers ---------------------------------------------------------------------------

    def _occ_timers(self, occ: ShiftOccurrence) -> list[tuple[str, datetime]]:
        tz = self.settings.timezone
        return [
            ("handover:remind", reminder_at(occ, self.conf.remind_before, tz)),
            ("handover:post", occ.start(tz)),
            ("handover:alert", occ.start(tz) + self.conf.ack_alert_after),
            ("handover:rollover", occ.end(tz)),
        ]

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the per-shift timers falling in ``[start, end)`` (idempotent by key)."""
        tz = self.settings.timezone
        for occ in occurrences_between(self.settings.shifts, start - timedelta(days=2), end, tz):
            for kind, due in self._occ_timers(occ):
                if start <= due < end:
                    self._at(kind, due, occ)

    def _ensure_timers(self, occ: ShiftOccurrence, now: datetime) -> None:
        """Make sure the future timers of a shift exist (items can target one not planned yet)."""
        for kind, due in self._occ_timers(occ):
            if due > now:
                self._at(kind, due, occ)

    def _at(self, kind: str, due: datetime, occ: ShiftOccurrence) -> None:
        key = occ_key(occ)
        self.scheduler.at(kind, due, key=f"{kind}:{key}", payload={"occ": key})

    def _alert_later(self, key: str, due: datetime) -> None:
        """Add an alert check for items that reached a shift after its own alert time."""
        self.scheduler.at(
            "handover:alert", due, key=f"handover:alert:{key}:{iso(due)}", payload={"occ": key}
        )

    def _timer_occ(self, timer: Timer) -> ShiftOccurrence | None:
        return occ_from_key(str(timer.payload.get("occ", "")), self.settings.shifts)

    async def remind(self, timer: Timer, late: bool) -> None:
        """Remind the agents of a shift who wrote no handover yet, before the shift ends."""
        occ = self._timer_occ(timer)
        if occ is None:
            return
        key = occ_key(occ)
        written = self.repo.written(key)
        text = fmt.reminder(occ, self.settings.timezone)
        for member in self._agents_on(occ):
            if member.user_id not in written:
                self.scheduler.notify(
                    {"user": member.user_id},
                    text,
                    key=f"handover:remind:{key}:{member.user_id}",
                    due=timer.due,  # sent after downtime, it is marked 【补发】
                )

    async def post_due(self, timer: Timer, late: bool) -> None:
        """At a shift's login, post the open items addressed to it in the team chat."""
        occ = self._timer_occ(timer)
        if occ is None:
            return
        key = occ_key(occ)
        items = [i for i in self.repo.for_target(key) if i.posted_for != key]
        if not items:
            return  # nothing handed over, or already posted when written after login
        await self.post_items(key, items, fmt.login_header(key, items, self.settings.shifts))

    async def alert(self, timer: Timer, late: bool) -> None:
        """Tell the lead, once, which items a shift has not acknowledged or carries over."""
        occ = self._timer_occ(timer)
        if occ is None:
            return
        key = occ_key(occ)
        now = self.time.now()
        items = [i for i in self.repo.for_target(key) if i.needs_alert(key, now)]
        if not items:
            return
        minutes = int(self.conf.ack_alert_after.total_seconds() // 60)
        ids = ",".join(str(i.id) for i in items)
        self.scheduler.notify(
            {"leads": occ.shift.key},
            fmt.alert(key, items, minutes, self.settings.timezone, self.settings.shifts),
            key=f"handover:alert:{key}:{ids}:{iso(now)}",
            due=timer.due,
        )
        for item in items:
            item.alerted_for = key
            self.repo.save(item)

    async def rollover(self, timer: Timer, late: bool) -> None:
        """At a shift's end, hand its items still open on to the next shift (顺延)."""
        occ = self._timer_occ(timer)
        if occ is None:
            return
        key = occ_key(occ)
        now = self.time.now()
        tz = self.settings.timezone
        items = [i for i in self.repo.for_target(key) if not i.done]
        if items:
            nxt = self.receiving_occurrence(occ, now)
            target = occ_key(nxt)
            for item in items:  # all saved before the first await, so no press is overwritten
                item.roll_over(target, nxt.start(tz), now, self.conf.ack_alert_after)
                self.repo.save(item)
            if nxt.start(tz) > now:
                for item in items:  # reposted at the next login; until then the cards say 顺延
                    await self.refresh_cards(item)
                self._ensure_timers(nxt, now)
            else:  # reposted now: retiring the old cards is their one edit
                header = fmt.rollover_header(key, target, len(items), self.settings.shifts)
                await self.post_items(target, items, header)
                self._alert_later(target, max(i.ack_due for i in items))
        self.repo.archive_written(occ.day - timedelta(days=3))

    async def escalate(self, timer: Timer, late: bool) -> None:
        """Escalate an urgent item not done in time to the lead, once."""
        item = self.repo.get(int(timer.payload.get("id", 0)))
        if item is None or item.done or item.escalated:
            return
        occ = occ_from_key(item.to_occ, self.settings.shifts)
        minutes = int(self.conf.urgent_after.total_seconds() // 60)
        self.scheduler.notify(
            {"leads": occ.shift.key if occ else None},
            fmt.escalation(item, minutes, self.settings.timezone, self.settings.shifts),
            key=f"handover:urgent:{item.id}",
            due=timer.due,
        )
        item.escalated = True
        self.repo.save(item)

    # ---- check-in -------------------------------------------------------------------------

    async def on_checkin(
        self, member: Member, occurrence: ShiftOccurrence, at: datetime, **_: Any
    ) -> None:
        """Send an agent who just checked in the items handed over to their shift."""
        key = occ_key(occurrence)
        items = [
            i
            for i in self.repo.for_target(key)
            if i.assignee_id in (None, member.user_id) and not i.done
        ]
        if not items:
            return
        text, group_text = fmt.checked_in(
            member.name, key, items, self.settings.timezone, self.settings.shifts
        )
        await self.messenger.to_member(member, text, buttons(items), group_text=group_text)
