"""Upkeep of the data folder: the daily backup copy, at start and at a fixed local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.clock import TeamTime
from bot.persistence.store import Store
from bot.persistence.timers import Timer
from bot.scheduling import Scheduler

BACKUP = "core:backup"
BACKUP_AT = time(4, 0)  # local time of the daily backup copy


class UpkeepService:
    """Keeps one backup of the data folder a day and drops copies past the keep."""

    def __init__(self, store: Store, time: TeamTime, scheduler: Scheduler, keep_days: int) -> None:
        self.store = store
        self.time = time
        self.scheduler = scheduler
        self.keep_days = keep_days

    def register_timers(self) -> None:
        """Let the scheduler run and plan the daily backup."""
        self.scheduler.on(BACKUP, self.on_backup)
        self.scheduler.add_planner(self.plan)

    def backup_now(self) -> None:
        """Make today's backup if there is none yet (at every start)."""
        self.store.backup(self.time.today(), self.keep_days)

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the backup timer of every day in ``[start, end]``."""
        day = self.time.local(start).date()
        while True:
            due = datetime.combine(day, BACKUP_AT, tzinfo=self.time.tz)
            if due > end:
                return
            if due >= start:
                self.scheduler.at(BACKUP, due, key=f"{BACKUP}:{day.isoformat()}")
            day += timedelta(days=1)

    async def on_backup(self, timer: Timer, _late: bool) -> None:
        """Copy the data folder for the day the timer was due."""
        self.store.backup(self.time.local(timer.due).date(), self.keep_days)
