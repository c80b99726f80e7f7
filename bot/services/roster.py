"""Who is on duty: regular shifts and weekly days off from settings, plus what leads record.

Every feature asks ``svc.roster``. Leads add days off and leave (/off), swaps (/swap) and
account assignments (/assign); check-ins that name accounts also claim them. The default
account → agent mapping of each shift comes from the [checkin.accounts] settings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.domain.members import Member, Role
from bot.domain.roster_rules import (
    Assignment,
    DayOff,
    Swap,
    coverage,
    effective_shift,
)
from bot.domain.shifts import ShiftOccurrence, occurrence_at
from bot.persistence.members import MemberRepo
from bot.persistence.roster import RosterRepo

REGULAR_REST = "轮休"  # the member's weekly day off from settings


class Roster:
    """Answers who works which shift on a date and who covers each platform account."""

    def __init__(self, settings: Settings, members: MemberRepo, repo: RosterRepo) -> None:
        self.settings = settings
        self.members = members
        self.repo = repo

    def regular(self, work_no: str, day: date) -> str | None:
        """Return the shift a member works on ``day`` by settings alone (None: day off)."""
        member = self.members.by_work_no(work_no)
        if member is None or member.shift is None or day.isoweekday() in member.days_off:
            return None
        return member.shift

    def shift_of(self, member: Member, day: date) -> str | None:
        """Return the shift key ``member`` works on ``day`` (None: not working)."""
        return effective_shift(
            self.regular, member.work_no, day, self.repo.offs(day), self.repo.swaps(day)
        )

    def on_duty(self, day: date, shift_key: str) -> list[Member]:
        """Return the agents and leads working ``shift_key`` that starts on ``day``."""
        offs, swaps = self.repo.offs(day), self.repo.swaps(day)
        return [
            m
            for m in self.members.all()
            if m.role <= Role.LEAD
            and effective_shift(self.regular, m.work_no, day, offs, swaps) == shift_key
        ]

    def agents_on_duty(self, day: date, shift_key: str) -> list[Member]:
        """Return the agents (not leads) expected to check in for a shift occurrence."""
        return [m for m in self.on_duty(day, shift_key) if m.role is Role.AGENT]

    def absence(self, member: Member, day: date) -> str | None:
        """Return why a member with a regular shift is off on ``day`` (请假/休息/轮休), or None."""
        off = next((o for o in self.repo.offs(day) if o.work_no == member.work_no), None)
        if off is not None:
            return off.kind
        if member.shift is not None and self.shift_of(member, day) is None:
            return REGULAR_REST
        return None

    def partner(self, work_no: str, day: date) -> str | None:
        """Return whom a member swapped with on ``day``, if anyone."""
        for swap in self.repo.swaps(day):
            other = swap.partner(work_no)
            if other is not None:
                return other
        return None

    def current(self, moment: datetime) -> ShiftOccurrence | None:
        """Return the shift occurrence running at (or about to start after) ``moment``."""
        return occurrence_at(self.settings.shifts, moment, self.settings.timezone)

    def running(self, moment: datetime) -> list[ShiftOccurrence]:
        """Return the shift occurrences running at ``moment``, the latest started first."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        found = []
        for day in (local.date() - timedelta(days=1), local.date()):
            for shift in self.settings.shifts:
                occurrence = ShiftOccurrence(shift, day)
                if occurrence.start(tz) <= local < occurrence.end(tz):
                    found.append(occurrence)
        return sorted(found, key=lambda o: o.start(tz), reverse=True)

    def next_occurrence_of(self, member: Member, moment: datetime) -> ShiftOccurrence | None:
        """Return the member's shift running at ``moment`` or the next one within a week."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        for offset in range(-1, 8):
            day = local.date() + timedelta(days=offset)
            key = self.shift_of(member, day)
            shift = self.settings.shift(key) if key else None
            if shift is not None and local < shift.end_at(day, tz):
                return ShiftOccurrence(shift, day)
        return None

    def accounts(self) -> tuple[str, ...]:
        """Return every platform account in settings order."""
        return tuple(a for p in self.settings.platforms for a in p.accounts)

    def coverage(self, occurrence: ShiftOccurrence) -> dict[str, Member | None]:
        """Return account → the member covering it in one shift occurrence (None: uncovered)."""
        day, key = occurrence.day, occurrence.shift.key
        on_duty = {m.work_no for m in self.on_duty(day, key)}
        partners = {}
        for swap in self.repo.swaps(day):
            partners[swap.first], partners[swap.second] = swap.second, swap.first
        holders = coverage(
            self.accounts(),
            self.settings.checkin.accounts.get(key, {}),
            on_duty,
            partners,
            self.repo.assignments(day, key),
        )
        return {
            account: self.members.by_work_no(no) if no else None for account, no in holders.items()
        }

    def accounts_of(self, member: Member, occurrence: ShiftOccurrence) -> list[str]:
        """Return the accounts a member covers in one shift occurrence."""
        return [
            a
            for a, m in self.coverage(occurrence).items()
            if m is not None and m.work_no == member.work_no
        ]

    def upcoming(self, moment: datetime) -> list[ShiftOccurrence]:
        """Return shift occurrences starting within the early check-in window after ``moment``."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        early = timedelta(minutes=self.settings.checkin.early_minutes)
        found = []
        for day in (local.date(), local.date() + timedelta(days=1)):
            for shift in self.settings.shifts:
                occurrence = ShiftOccurrence(shift, day)
                if local < occurrence.start(tz) <= local + early:
                    found.append(occurrence)
        return sorted(found, key=lambda o: o.start(tz))

    def holder(self, account: str, moment: datetime) -> Member | None:
        """Return who covers a platform account at ``moment`` (None when nobody does).

        The shift that started last answers first; then the one it overlaps; then one about
        to start, whose agents may already have checked in early.
        """
        for occurrence in [*self.running(moment), *self.upcoming(moment)]:
            member = self.coverage(occurrence).get(account)
            if member is not None:
                return member
        return None

    def mark_off(self, member: Member, day: date, kind: str, by: Member, at: datetime) -> None:
        """Record a day off or leave for ``member`` on ``day``."""
        self.repo.add_off(DayOff(member.work_no, day, kind, by.work_no, at))

    def swap(self, first: Member, second: Member, day: date, by: Member, at: datetime) -> None:
        """Record that two members swap their shifts on ``day``."""
        self.repo.add_swap(Swap(first.work_no, second.work_no, day, by.work_no, at))

    def undo(self, member: Member, day: date) -> list[str]:
        """Drop the day off and swaps of ``member`` on ``day``; return what was dropped."""
        return self.repo.remove_for(member.work_no, day)

    def assign(
        self,
        account: str,
        member: Member | None,
        occurrence: ShiftOccurrence,
        by: Member,
        at: datetime,
        source: str = "assign",
    ) -> None:
        """Give ``account`` to ``member`` (None: back to the default) for one occurrence."""
        self.repo.add_assignment(
            Assignment(
                account,
                member.work_no if member else None,
                occurrence.day,
                occurrence.shift.key,
                source,
                by.work_no,
                at,
            )
        )
