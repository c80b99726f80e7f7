"""HandoverService: writing items, taking them over, reassigning them, and the lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.clock import TeamTime
from bot.config import Settings
from bot.config.handover import HandoverSettings
from bot.domain import handover_text as fmt
from bot.domain.errors import UserError
from bot.domain.handover import (
    Draft,
    Item,
    ack_due,
    last_started,
    next_occurrence,
    occ_from_key,
    occ_key,
)
from bot.domain.members import Member, short_name
from bot.domain.shifts import ShiftOccurrence
from bot.domain.times import iso
from bot.persistence.handover import HandoverRepo
from bot.persistence.members import MemberRepo
from bot.scheduling import Scheduler
from bot.services.handover.cards import Cards, buttons
from bot.services.handover.shifts import (
    author_occurrence,
    member_shifts,
    receiving_occurrence,
)
from bot.services.handover.timers import HandoverTimers
from bot.services.messenger import Keyboard, Messenger
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
    """What a pressed 已接收/已处理 button answers, and which item to show anew afterwards."""

    answer: str
    alert: bool = False  # shown as a dialog: the press was refused or found nothing
    changed: Item | None = None  # its post and the pressed message show its state


@dataclass
class HandoverService:
    """Handover items (交接) between shifts, and the reminders that keep them moving."""

    settings: Settings
    time: TeamTime
    repo: HandoverRepo
    members: MemberRepo
    roster: Roster
    scheduler: Scheduler
    messenger: Messenger
    cards: Cards = field(init=False)
    timers: HandoverTimers = field(init=False)

    def __post_init__(self) -> None:
        self.cards = Cards(self.settings, self.repo, self.messenger)
        self.timers = HandoverTimers(
            self.settings, self.time, self.repo, self.roster, self.scheduler, self.cards
        )

    @property
    def conf(self) -> HandoverSettings:
        """Return the [handover] settings."""
        return self.settings.handover

    def register_timers(self) -> None:
        """Give the scheduler the handover timer jobs and the planner."""
        self.timers.register()

    def _label(self, key: str) -> str:
        return fmt.occ_label(key, self.settings.shifts)

    # ---- who may take an item over --------------------------------------------------------

    def authorize(self, member: Member, item: Item, action: str) -> None:
        """Refuse (UserError) a member who may not ``ack``, ``done`` or ``reassign`` an item.

        The assignee, else the receiving shift, takes an item over; leads always may. Its
        author may also close or reassign it, but not take it over.
        """
        if item.may_acknowledge(member, member_shifts(self.roster, member).works_on(item.to_occ)):
            return
        if action != "ack" and member.user_id == item.author_id:
            return
        raise UserError(fmt.refusal(item, self.settings.shifts))

    # ---- writing --------------------------------------------------------------------------

    def write(self, member: Member, drafts: list[Draft], now: datetime, mask: bool) -> Written:
        """Store parsed items for the next shift with agents on duty; return the reply."""
        tz = self.settings.timezone
        source = author_occurrence(self.roster, member, now)
        target = receiving_occurrence(self.roster, source, now)
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
            self.timers.escalate_at(item)
        self.repo.mark_written(src, member.user_id, False, now)
        self.timers.ensure(target, now)
        started = login <= now
        minutes = int(self.conf.urgent_after.total_seconds() // 60)
        text = fmt.written(items, src, target, started, minutes, tz, self.settings.shifts, mask)
        return Written(text, dst, items, started)

    async def announce(self, written: Written) -> None:
        """Post items written after their shift's login at once, and check on them later."""
        if not written.started:
            return  # posted at the login
        await self.cards.post(written.target, written.items, None, self.time.now())
        self.timers.alert_later(written.target, max(i.ack_due for i in written.items))

    def nothing(self, member: Member, now: datetime) -> str:
        """Record that a member has nothing to hand over in their shift; refuse after items."""
        source = occ_key(author_occurrence(self.roster, member, now))
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
        changed = []
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
            changed.append(item)
        await self.cards.refresh_all(changed)  # items sharing a list: one edit for all
        return "\n".join(answers)

    def press(self, member: Member, action: str, number: int, now: datetime) -> Pressed:
        """Acknowledge or close an item from its button; refuse people who may not."""
        item = self.repo.get(number)
        if item is None:
            closed = self.repo.find_closed(number)
            if closed is None:
                return Pressed(f"找不到交接 #{number}。", alert=True)
            return Pressed(f"#{number} 已由 {closed.done_by} 处理过了。", changed=closed)
        try:
            text = self._apply(member, item, action, "", now)
        except UserError as err:
            return Pressed(str(err), alert=True)
        return Pressed(text, changed=item)

    async def refresh_cards(self, item: Item) -> None:
        """Show an item's new state in the team chat message it is live in."""
        await self.cards.refresh(item)

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
        occ = self._reassigned_occurrence(target, item, now)
        if occ is None:
            raise UserError(f"#{number} 的班次已不在配置中，请重新写一条交接。")
        tz = self.settings.timezone
        key = occ_key(occ)
        by = short_name(member)
        item.reassign(target, key, occ.start(tz), now, self.conf.ack_alert_after, by)
        self.repo.save(item)
        await self.cards.refresh(item)
        if occ.start(tz) <= now:
            self.timers.alert_later(key, item.ack_due)
        else:
            self.timers.ensure(occ, now)
        self.scheduler.notify(
            {"user": target.user_id},
            f"📋 {by} 把交接 #{item.id} 转交给您（{self._label(key)}）：\n"
            f"{fmt.brief(item, tz)}\n接收请发送 /handover ack {item.id}",
            key=f"handover:reassign:{item.id}:{iso(now)}",
        )
        return f"↪️ #{item.id} 已转交给 {short_name(target)}（{self._label(key)}），等待其接收。"

    def _reassigned_occurrence(
        self, target: Member, item: Item, now: datetime
    ) -> ShiftOccurrence | None:
        """Return the item's shift if ``target`` works it, else the target's running or next."""
        current = occ_from_key(item.to_occ, self.settings.shifts)
        theirs = member_shifts(self.roster, target)
        if current is not None and theirs.works(current):
            return current
        return theirs.running_or_next(now) or current

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
