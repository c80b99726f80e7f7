"""Everything a handler needs, built once per application and injected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.domain.members import Member, Role
from bot.persistence.members import MemberRepo
from bot.persistence.store import Store

if TYPE_CHECKING:
    from bot.events import Events
    from bot.roster import Roster
    from bot.scheduling import Scheduler


@dataclass
class Services:
    """The injected services: settings, clock, storage, repositories and the scheduler."""

    settings: Settings
    clock: Clock
    store: Store
    members: MemberRepo
    scheduler: Scheduler
    events: Events
    roster: Roster = None  # type: ignore[assignment]  # set right after construction
    feature: dict[str, Any] = field(default_factory=dict)
    bot: Any = None  # the telegram Bot, set by build_application

    def local_now(self) -> datetime:
        """Return now in the team's timezone."""
        return self.clock.now().astimezone(self.settings.timezone)

    def local(self, moment: datetime) -> datetime:
        """Convert an aware moment to the team's timezone."""
        return moment.astimezone(self.settings.timezone)

    def today(self) -> date:
        """Return today's date in the team's timezone."""
        return self.local_now().date()

    def leads(self, shift: str | None = None) -> list[Member]:
        """Return the leads of a shift (or all leads); the admins when there is none."""
        leads = [
            m
            for m in self.members.all()
            if m.role is Role.LEAD and (shift is None or m.shift in (None, shift))
        ]
        return leads or self.members.with_role(Role.ADMIN)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot, with the services at hand."""

    @property
    def svc(self) -> Services:
        """Return the application's services."""
        return self.application.bot_data["svc"]
