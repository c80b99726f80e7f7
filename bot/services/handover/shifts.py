"""Which shift hands over to which: the handover's shift searches over the roster."""

from __future__ import annotations

from datetime import datetime

from bot.domain import handover as rules
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from bot.services.roster import Roster


def author_occurrence(roster: Roster, member: Member, now: datetime) -> ShiftOccurrence:
    """Return the shift a member writes the handover from: their own, else the latest one."""
    shifts, tz = roster.settings.shifts, roster.settings.timezone
    own = rules.own_occurrence(shifts, lambda day: roster.shift_of(member, day), now, tz)
    return own or rules.last_started(shifts, now, tz)


def receiving_occurrence(roster: Roster, occ: ShiftOccurrence, now: datetime) -> ShiftOccurrence:
    """Return the next shift after ``occ`` that has agents on duty and has not ended yet."""
    return rules.receiving_occurrence(
        roster.settings.shifts,
        occ,
        now,
        roster.settings.timezone,
        lambda nxt: bool(roster.agents_on_duty(nxt.day, nxt.shift.key)),
    )


def works_on(roster: Roster, member: Member, key: str) -> bool:
    """Whether ``member`` works the shift occurrence ``key`` names."""
    return rules.works_on(key, roster.settings.shifts, lambda day: roster.shift_of(member, day))


def member_occurrence(roster: Roster, member: Member, now: datetime) -> ShiftOccurrence | None:
    """Return the member's running shift, else their next one (None: no regular shift)."""
    return rules.member_occurrence(
        roster.settings.shifts,
        lambda day: roster.shift_of(member, day),
        now,
        roster.settings.timezone,
    )
