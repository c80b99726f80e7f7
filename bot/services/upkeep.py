"""Upkeep of the data folder: the daily backup (at start and at a fixed local time) and /status."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.clock import TeamTime
from bot.domain.members import Role
from bot.persistence.members import MemberRepo
from bot.persistence.store import BackupResult, Store
from bot.persistence.timers import Timer
from bot.scheduling import Scheduler

BACKUP = "core:backup"
BACKUP_AT = time(4, 0)  # local time of the daily backup copy


@dataclass
class UpkeepService:
    """Keeps one backup of the data folder a day and drops copies past the keep."""

    store: Store
    time: TeamTime
    scheduler: Scheduler
    members: MemberRepo
    keep_days: int
    version: str
    started: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.time.now()

    def register_timers(self) -> None:
        """Let the scheduler run and plan the daily backup."""
        self.scheduler.on(BACKUP, self.on_backup)
        self.scheduler.add_planner(self.plan)

    async def backup_now(self) -> None:
        """Make today's backup if there is none yet (at every start)."""
        await self._backup(self.time.today())

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
        await self._backup(self.time.local(timer.due).date())

    async def _backup(self, day: date) -> None:
        """Open the live files here, at one moment; compress and copy them on a thread.

        Compressing megabytes took 0.1–5 s: on the event loop that stalled every command.
        """
        copy = self.store.start_backup(day)
        self._report(await asyncio.to_thread(self.store.finish_backup, copy, self.keep_days))

    def _report(self, result: BackupResult) -> None:
        """Tell the admins (once a day) that a backup failed; the bot runs on regardless."""
        if result.ok:
            return
        for admin in self.members.with_role(Role.ADMIN):
            self.scheduler.notify(
                {"user": admin.user_id},
                f"⚠️ {result.day:%m-%d} 的数据备份失败：{result.error}。机器人照常运行，"
                "已确认的数据没有丢失；请检查磁盘空间后等待明天的备份，或重启机器人立即重试。",
                key=f"core:backup-failed:{result.day.isoformat()}:{admin.user_id}",
            )

    def status_text(self, now: datetime) -> str:
        """Return the admins' status view: version, uptime, queue and disk use."""
        usage = self.store.disk_usage()
        up = now - self.started
        hours, rest = divmod(int(up.total_seconds()) // 60, 60)
        days, hours = divmod(hours, 24)
        lines = [
            f"🤖 客服值班机器人 {self.version}",
            f"已运行：{days} 天 {hours} 小时 {rest} 分钟"
            f"（{self.time.local(self.started):%m-%d %H:%M} 启动）",
            f"待发送提醒：{self.scheduler.outbox.waiting()} 条；待执行定时任务："
            f"{len(self.scheduler.timers.pending())} 个",
            f"数据目录：{self.store.root}，共 {_size(usage.total)}",
            f"  在用数据 {_size(usage.live)} · 月度归档 {_size(usage.archives)} · "
            f"备份 {_size(usage.backups)} · 截图 {_size(usage.images)} · "
            f"其他 {_size(usage.other)}",
        ]
        return "\n".join(lines)


def _size(count: int) -> str:
    """Return a byte count as B/KB/MB/GB."""
    if count < 1024:
        return f"{count} B"
    size = count / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
