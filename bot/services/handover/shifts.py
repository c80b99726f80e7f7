"""Which shift hands over to which: the handover's shift searches over the roster."""

from __future__ import annotations

from datetime import datetime

from bot.domain import handover as rules
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from bot.services.roster import Roster


def member_shifts(roster: Roster, member: Member) -> rules.MemberShifts:
    """Return a member's shifts as the roster has them (regular shift, rest days, swaps)."""
    return rules.MemberShifts(
        roster.settings.shifts,
        lambda day: roster.shift_of(member, day),
        roster.settings.timezone,
    )


def author_occurrence(roster: Roster, member: Member, now: datetime) -> ShiftOccurrence:
    """Return the shift a member writes the handover from: their own, else the latest one."""
    own = member_shifts(roster, member).own(now)
    return own or rules.last_started(roster.settings.shifts, now, roster.settings.timezone)


def receiving_occurrence(roster: Roster, occ: ShiftOccurrence, now: datetime) -> ShiftOccurrence:
    """Return the next shift after ``occ`` that has agents on duty and has not ended yet."""
    return rules.receiving_occurrence(
        roster.settings.shifts,
        occ,
        now,
        roster.settings.timezone,
        lambda nxt: bool(roster.agents_on_duty(nxt.day, nxt.shift.key)),
    )
