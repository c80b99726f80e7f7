"""Who is on duty: the regular roster from settings (shift and weekly days off).

This is the base every feature asks (``svc.roster``). The check-in feature extends it with
days off, swaps and account assignments that leads record; it keeps this interface.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.domain.members import Member, Role
from bot.domain.shifts import ShiftOccurrence, occurrence_at

if TYPE_CHECKING:
    from bot.services import Services


class Roster:
    """Answers who works which shift on a date, from the members' regular shifts."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def shift_of(self, member: Member, day: date) -> str | None:
        """Return the shift key ``member`` works on ``day`` (None: not working)."""
        if member.shift is None or day.isoweekday() in member.days_off:
            return None
        return member.shift

    def on_duty(self, day: date, shift_key: str) -> list[Member]:
        """Return the agents and leads working ``shift_key`` that starts on ``day``."""
        return [
            m
            for m in self.svc.members.all()
            if m.role <= Role.LEAD and self.shift_of(m, day) == shift_key
        ]

    def current(self, moment: datetime) -> ShiftOccurrence | None:
        """Return the shift occurrence running at (or about to start after) ``moment``."""
        settings = self.svc.settings
        return occurrence_at(settings.shifts, moment, settings.timezone)

    def holder(self, account: str, moment: datetime) -> Member | None:
        """Return who covers a platform account at ``moment`` (None when nobody does)."""
        return None
