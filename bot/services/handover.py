"""The handover service: writing items, taking them over, and the handover timers."""

from __future__ import annotations

from bot.clock import TeamTime
from bot.config import Settings
from bot.persistence.handover import HandoverRepo
from bot.persistence.members import MemberRepo
from bot.scheduling import Scheduler
from bot.services.messenger import Messenger
from bot.services.roster import Roster


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
