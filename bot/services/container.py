"""The typed container of every service, built once by ``bot.services.wiring``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import TeamTime
from bot.config import Settings
from bot.events import Events
from bot.persistence.members import MemberRepo
from bot.persistence.store import Store
from bot.scheduling import Scheduler
from bot.services.checkin import CheckinService
from bot.services.deadlines import DeadlineService
from bot.services.handover import HandoverService
from bot.services.messenger import Messenger
from bot.services.month import MonthService
from bot.services.orders import OrderService
from bot.services.roster import Roster
from bot.services.scripts import ScriptService
from bot.services.team import TeamService
from bot.services.upkeep import UpkeepService


@dataclass
class Services:
    """Settings, time, storage and one service per feature; what handlers are given."""

    settings: Settings
    time: TeamTime
    store: Store
    members: MemberRepo
    scheduler: Scheduler
    events: Events
    roster: Roster
    messenger: Messenger
    checkin: CheckinService
    handover: HandoverService
    orders: OrderService
    scripts: ScriptService
    deadlines: DeadlineService
    team: TeamService
    upkeep: UpkeepService
    month: MonthService

    @property
    def clock(self) -> TeamTime:
        """Return the team's clock (``now()`` is aware UTC)."""
        return self.time

    def local_now(self) -> datetime:
        """Return now in the team's timezone."""
        return self.time.local_now()

    def local(self, moment: datetime) -> datetime:
        """Convert an aware moment to the team's timezone."""
        return self.time.local(moment)

    def today(self) -> date:
        """Return today's date in the team's timezone."""
        return self.time.today()
