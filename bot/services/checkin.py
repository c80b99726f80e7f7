"""The check-in service: recording check-ins, the login reminders and the lead's summary."""

from __future__ import annotations

from pathlib import Path

from bot.clock import TeamTime
from bot.config import Settings
from bot.events import Events
from bot.persistence.checkin import CheckinRepo
from bot.persistence.members import MemberRepo
from bot.scheduling import Scheduler
from bot.services.roster import Roster


class CheckinService:
    """Check-ins (挂号) of the team and what the lead hears about them."""

    def __init__(
        self,
        settings: Settings,
        time: TeamTime,
        repo: CheckinRepo,
        members: MemberRepo,
        roster: Roster,
        scheduler: Scheduler,
        events: Events,
        data_root: Path,
    ) -> None:
        self.settings = settings
        self.conf = settings.checkin
        self.time = time
        self.repo = repo
        self.members = members
        self.roster = roster
        self.scheduler = scheduler
        self.events = events
        self.data_root = data_root
        repo.tracking_since(time.now())  # shifts before the bot's first start are not absences
