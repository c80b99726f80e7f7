"""Clocks: the one source of "now" for the whole bot (tests and console mode set it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time, aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the wall-clock time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests and console mode)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the simulated time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock to ``when``; it never goes backwards."""
        when = when.astimezone(UTC)
        if when > self._now:
            self._now = when


class TeamTime:
    """A clock read in the team's timezone: what services use for 今天 and local times."""

    def __init__(self, clock: Clock, tz: ZoneInfo) -> None:
        self.clock = clock
        self.tz = tz

    def now(self) -> datetime:
        """Return now, aware, in UTC."""
        return self.clock.now()

    def local(self, moment: datetime) -> datetime:
        """Convert an aware moment to the team's timezone."""
        return moment.astimezone(self.tz)

    def local_now(self) -> datetime:
        """Return now in the team's timezone."""
        return self.local(self.clock.now())

    def today(self) -> date:
        """Return today's date in the team's timezone."""
        return self.local_now().date()
