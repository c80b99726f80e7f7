"""The open items and the one timer that wakes for their next rungs.

Every open item stores its next ladder rung (``rung``, ``next_at``); the scheduler holds one
timer, ``deadlines:tick``, at the earliest of them. When it fires, every item that reached
a rung sends it (the latest one after downtime) and moves to the next, in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.clock import TeamTime
from bot.config import Settings
from bot.domain.deadline_item import FOLLOWUP, Closing, DeadlineItem, awaits_action, closing_word
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
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from bot.domain.workdays import WorkCalendar
from bot.persistence.deadlines import ItemRepo
from bot.scheduling import Scheduler
from bot.services.deadlines.platforms import accounts_of
from bot.services.roster import Roster

TICK = "deadlines:tick"
_HANDOFFS = 14  # shift occurrences followed before the due time: a week of two shifts a day


@dataclass(frozen=True)
class Ownership:
    """Who owns a new item, and whom it was handed on from when their shift ends first."""

    owner: Member
    first: Member | None = None  # the holder at registration, when the item went on
    leaves: datetime | None = None  # when that holder's shift ends


@dataclass
class Tracker:
    """Opens, arms, re-arms and closes items, keeping the one deadlines timer in step."""

    settings: Settings
    time: TeamTime
    items: ItemRepo
    roster: Roster
    scheduler: Scheduler
    calendar: WorkCalendar = field(init=False)
    _tick: datetime | None = field(init=False, default=None)  # due time of the pending timer

    def __post_init__(self) -> None:
        conf = self.settings.deadlines
        self.calendar = WorkCalendar(conf.holidays, conf.workdays)

    def rule(self, name: str) -> Rule:
        """Return a rule by name."""
        return self.settings.deadlines.rules[name]

    # ---- opening items ------------------------------------------------------------------

    def due(self, rule_name: str, received: datetime) -> datetime:
        """Return when an item received at ``received`` falls due under a rule."""
        return due_time(self.rule(rule_name), received, self.settings.timezone, self.calendar)

    def open_item(
        self,
        kind: str,
        rule_name: str,
        ref: str,
        creator: Member,
        received: datetime,
        now: datetime,
        platform: str | None = None,
        note: str = "",
        owner: Member | None = None,
    ) -> DeadlineItem:
        """Store a new item due by its rule, arm its first reminder and return it.

        Without ``owner`` the item goes to whom :meth:`ownership` names.
        """
        rule = self.rule(rule_name)
        due = self.due(rule_name, received)
        if owner is None:
            owner = self.ownership(rule_name, platform, creator, now, due).owner
        item = replace(
            _draft(kind, ref, rule_name, creator, received, due, now),
            owner=owner.user_id,
            platform=platform,
            note=note,
            rung=first_rung(ladder(rule, due), now),
        )
        self._add(item)
        return item

    def open_followup(
        self, creator: Member, customer: str, cls: str, concern: str, now: datetime
    ) -> DeadlineItem:
        """Store a new follow-up whose first visit falls in the cadence's first window."""
        start = self.time.local(now).date()
        opens, due = self._visit_window(start, 1, now)
        item = replace(
            _draft(FOLLOWUP, customer, FOLLOWUP, creator, now, due, now),
            opens=opens,
            cls=cls,
            concern=concern,
            cycle_start=start,
            paused=cls == "C",
            review="pending" if cls in ("B", "C") else None,
        )
        item.rung = next_rung(self.rungs(item), now)
        self._add(item)
        return item

    def _add(self, item: DeadlineItem) -> None:
        """Arm a new item, store it (it takes its number) and keep the tick in step."""
        self.arm(item)
        self.items.add(item)
        self.arm_tick()

    def ownership(
        self, rule_name: str, platform: str | None, creator: Member, now: datetime, due: datetime
    ) -> Ownership:
        """Return who owns a new item (谁挂号谁催付) and whether it was handed on.

        On a holder rule the owner is whoever holds the platform's account when the item is
        registered, or at the start of the next shift covering it; on a shared platform
        (天猫、京东) the agent on duty with the fewest open items to chase. When that shift
        ends before the due time, the item goes on to the next holder, until one is still at
        work when it falls due.
        """
        shared = self.settings.deadlines.shared_platforms
        if self.rule(rule_name).owner != "holder" or platform is None:
            return Ownership(creator)
        tz = self.settings.timezone
        found = self._holder_from(platform, platform in shared, creator, now, due)
        if found is None:  # nobody covers the account before it falls due: the lead's to fix
            return Ownership(creator)
        occurrence, first = found
        owner = first
        for _ in range(_HANDOFFS):
            ends = occurrence.end(tz)
            if ends >= due:
                break
            following = self._holder_from(platform, platform in shared, creator, ends, due)
            if following is None:
                break
            occurrence, owner = following
        if owner.user_id == first.user_id:
            return Ownership(owner)
        return Ownership(owner, first, found[0].end(tz))

    def _holder_from(
        self, platform: str, shared: bool, creator: Member, moment: datetime, due: datetime
    ) -> tuple[ShiftOccurrence, Member] | None:
        """Return the shift occurrence and member covering a platform at ``moment`` or in a
        later shift starting by ``due`` (the latest started first, as the roster asks); an
        item already overdue goes to the next shift covering it, whenever that starts."""
        tz = self.settings.timezone
        for occurrence in self._occurrences_from(moment):
            if moment < due < occurrence.start(tz):
                break
            member = (
                self._least_loaded(occurrence, creator)
                if shared
                else self._account_holder(platform, occurrence)
            )
            if member is not None:
                return occurrence, member
        return None

    def _occurrences_from(self, moment: datetime) -> list[ShiftOccurrence]:
        """Return the shifts running at ``moment`` (latest started first), then those to come
        within a week in the order they start."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        every = [
            ShiftOccurrence(shift, local.date() + timedelta(days=offset))
            for offset in range(-1, 8)
            for shift in self.settings.shifts
        ]
        running = [o for o in every if o.start(tz) <= local < o.end(tz)]
        coming = [o for o in every if o.start(tz) > local]
        return [
            *sorted(running, key=lambda o: o.start(tz), reverse=True),
            *sorted(coming, key=lambda o: o.start(tz)),
        ]

    def _account_holder(self, platform: str, occurrence: ShiftOccurrence) -> Member | None:
        """Return who covers the platform's first covered account in one shift occurrence."""
        cover = self.roster.coverage(occurrence)
        for account in accounts_of(self.settings.platforms, platform):
            holder = cover.get(account)
            if holder is not None and not holder.removed:
                return holder
        return None

    def _least_loaded(self, occurrence: ShiftOccurrence, creator: Member) -> Member | None:
        """Return the agent on duty with the fewest dunning items still to chase (ties: the
        one who registered it, else the lowest work number)."""
        agents = self.roster.agents_on_duty(occurrence.day, occurrence.shift.key)
        if not agents:
            return None
        load = self.items.to_chase({m.user_id for m in agents})
        return min(
            agents,
            key=lambda m: (load[m.user_id], m.user_id != creator.user_id, _number(m.work_no)),
        )

    # ---- the ladder ---------------------------------------------------------------------

    def rungs(self, item: DeadlineItem) -> list[Rung]:
        """Return the reminder ladder of an item."""
        if item.kind == FOLLOWUP:
            if item.opens is None:
                raise ValueError(f"follow-up {item.id} has no visit window")
            return [Rung(item.opens, OPEN), Rung(item.due, OVERDUE)]
        return ladder(self.rule(item.rule), item.due)

    def arm(self, item: DeadlineItem) -> None:
        """Set ``next_at``, the moment of the item's next rung (None: nothing left to send)."""
        rungs = self.rungs(item)
        if not awaits_action(item) or item.rung >= len(rungs):
            item.next_at = None
        else:
            item.next_at = rungs[item.rung].at

    def arm_tick(self) -> None:
        """Keep the one deadlines timer at the earliest ``next_at`` of all open items.

        The items are the truth; the timer only says when to look at them next. It is
        rewritten only when that moment changes, so most commands leave schedule.json alone.
        """
        soonest = self.items.soonest_rung()
        if soonest == self._tick:
            return
        if soonest is None:
            self.scheduler.cancel(TICK)
        else:
            self.scheduler.at(TICK, soonest, key=TICK, replace=True)
        self._tick = soonest

    def tick_fired(self) -> None:
        """Forget the pending timer: the scheduler dropped it before calling its handler."""
        self._tick = None

    def rebuild(self) -> None:
        """Arm the deadlines timer from the open items (after a restore, or a lost file)."""
        pending = self.scheduler.timers.pending(TICK)
        self._tick = pending[0].due if pending else None
        self.arm_tick()

    # ---- follow-up cadence --------------------------------------------------------------

    def _visit_window(self, start: date, visit: int, now: datetime) -> tuple[datetime, datetime]:
        """Return when a visit opens and falls due, counted from the cycle's first day."""
        cadence = self.settings.deadlines.cadence
        opens, due = cadence.window(start, visit, self.settings.timezone)
        if due <= now:  # the window went by before the previous visit: give until today's end
            local = self.time.local(now)
            due = local.replace(hour=cadence.due_at.hour, minute=cadence.due_at.minute)
            if due <= now:
                due += timedelta(days=1)
            opens = now
        return opens, due

    def reschedule(self, item: DeadlineItem, now: datetime) -> None:
        """Move the item's visit window to its cycle start and visit, store it and re-arm."""
        if item.cycle_start is None:
            raise ValueError(f"item {item.id} is not a follow-up")
        item.opens, item.due = self._visit_window(item.cycle_start, item.visit, now)
        item.rung = next_rung(self.rungs(item), now)
        self.arm(item)
        self.items.save(item)
        self.arm_tick()

    def restart_cycle(self, item: DeadlineItem, now: datetime) -> None:
        """Start the visits over from today (the customer replied, or a lead said go on)."""
        item.cycle_start = self.time.local(now).date()
        item.visit = 1
        self.reschedule(item, now)

    # ---- closing ------------------------------------------------------------------------

    def close(
        self, item: DeadlineItem, status: str, by: Member | None, now: datetime, note: str = ""
    ) -> bool:
        """Archive an item in its last state (its timer goes with it); return if it was late."""
        closing_word(status)  # every way an item can end has its words in reports
        item.closing = Closing(status, now, by.user_id if by else None, note)
        # The tick may still point at this item's next rung; waking for nothing is harmless.
        self.items.close(item)
        return is_overdue(item.due, now)


def _draft(
    kind: str,
    ref: str,
    rule: str,
    creator: Member,
    received: datetime,
    due: datetime,
    now: datetime,
) -> DeadlineItem:
    """Return a new item its creator owns, created ``now``, before its kind fills in the rest."""
    return DeadlineItem(
        kind=kind,
        ref=ref,
        rule=rule,
        owner=creator.user_id,
        creator=creator.user_id,
        created=now,
        received=received,
        due=due,
    )


def _number(work_no: str) -> tuple[int, str]:
    """Return a work number as a sort key that puts 2 before 10."""
    return (int(work_no), "") if work_no.isdigit() else (1 << 30, work_no)
