"""The team-wide settings every feature's settings may read: timezone, chats, shifts, platforms."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.members import Member
from bot.domain.shifts import Shift


@dataclass(frozen=True)
class Platform:
    """A sales platform and the accounts the team logs in to on it."""

    key: str
    name: str
    accounts: tuple[str, ...]


@dataclass
class CoreSettings:
    """The team-wide part of the settings file, which every feature's settings may read."""

    timezone: ZoneInfo
    team_chats: tuple[int, ...]
    leads_chat: int | None
    shifts: tuple[Shift, ...]
    platforms: tuple[Platform, ...]
    members: tuple[Member, ...]
    shop: dict[str, Any] = field(default_factory=dict)
    backup_days: int = 14
    log_days: int = 14
    join_per_hour: int = 5  # /join requests a hour with a card each; the rest share one card
    source: Path | None = None

    @property
    def team_chat(self) -> int:
        """Return the main team chat (the first one listed)."""
        return self.team_chats[0]

    def shift(self, key: str) -> Shift | None:
        """Return the shift with this key, or None."""
        return next((s for s in self.shifts if s.key == key), None)
