"""Stored timers and notifications, woken by PTB's JobQueue and rebuilt at every start.

Features register a handler per timer kind and planners for recurring timers. The
dispatcher runs every due timer (soonest first) and then delivers every due notification,
combined per recipient. The JobQueue job only wakes the dispatcher at the next due time
(plus a periodic safety tick); console mode and tests call ``advance_to`` / ``run_due``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store
from bot.persistence.timers import Notification, OutboxRepo, Timer, TimerRepo

if TYPE_CHECKING:
    from telegram.ext import Application, JobQueue

log = logging.getLogger(__name__)

# A timer handler gets the timer and whether it runs late (after downtime); a planner stores
# the recurring timers of a window. Services register their bound methods.
TimerHandler = Callable[[Timer, bool], Awaitable[None]]
Planner = Callable[[datetime, datetime], None]
Deliver = Callable[[list[tuple[Notification, bool]]], Awaitable[None]]

LATE_AFTER = timedelta(minutes=2)  # later than this counts as 补发 (sent after downtime)
PLAN_AHEAD = timedelta(hours=36)
PLAN_BACK_AT_MOST = timedelta(hours=24)
# Plan in steps: planning on every run rewrote schedule.json after every single command.
PLAN_STEP = timedelta(hours=1)
SAFETY_TICK = 60.0
MAX_ATTEMPTS = 3  # runs of one timer that never finished (each killed the process): give up


class Scheduler:
    """Timers and notifications, with the dispatcher that runs them."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.clock = clock
        self.timers = TimerRepo(store)
        self.outbox = OutboxRepo(store)
        self._handlers: dict[str, TimerHandler] = {}
        self._planners: list[Planner] = []
        self._lock = asyncio.Lock()
        self._job_queue: JobQueue | None = None
        self.deliver: Deliver | None = None

    def deliver_with(self, deliver: Deliver) -> None:
        """Give the dispatcher the function that sends due notifications."""
        self.deliver = deliver

    def on(self, kind: str, handler: TimerHandler) -> None:
        """Register the handler of one timer kind."""
        self._handlers[kind] = handler

    def add_planner(self, planner: Planner) -> None:
        """Register a function that stores the recurring timers of a window of time."""
        self._planners.append(planner)

    def at(
        self,
        kind: str,
        due: datetime,
        key: str,
        payload: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> bool:
        """Store a timer (idempotent by key unless ``replace``) and re-arm the wake-up."""
        timer = Timer(key, kind, due, payload or {})
        if replace:
            self.timers.replace(timer)
            added = True
        else:
            added = self.timers.put(timer)
        self._rearm()
        return added

    def cancel(self, key_or_prefix: str) -> int:
        """Drop pending timers whose key starts with ``key_or_prefix``."""
        return self.timers.remove_prefix(key_or_prefix)

    def notify(
        self,
        recipient: dict[str, Any],
        text: str,
        key: str,
        due: datetime | None = None,
        kind: str = "",
    ) -> bool:
        """Queue a notification (once per key) for ``due`` (default: now)."""
        note = Notification(key, due or self.clock.now(), recipient, text, kind)
        added = self.outbox.put(note)
        self._rearm()
        return added

    def notify_many(self, notes: list[Notification]) -> int:
        """Queue many notifications in one write (a burst of reminders); return how many."""
        added = self.outbox.put_many(notes)
        if added:
            self._rearm()
        return added

    def next_due(self) -> datetime | None:
        """Return the earliest moment something is due."""
        dues = [d for d in (self.timers.next_due(), self.outbox.next_due()) if d]
        return min(dues) if dues else None

    def plan(self, now: datetime) -> None:
        """Let every planner store the recurring timers up to ``now + PLAN_AHEAD``."""
        stored = self.timers.meta("planned_until")
        start = parse_iso(stored) if stored else now
        start = max(start, now - PLAN_BACK_AT_MOST)
        end = now + PLAN_AHEAD
        if start >= end - PLAN_STEP:
            return  # planned far enough ahead; planners are idempotent, so steps are safe
        for planner in self._planners:
            try:
                planner(start, end)
            except Exception:
                # One feature's broken planner must not silence every other reminder.
                log.exception("planner %r failed for %s–%s", planner, start, end)
        self.timers.set_meta("planned_until", iso(end))

    async def run_due(self) -> int:
        """Run every due timer, then deliver every due notification; return the timers run."""
        async with self._lock:
            now = self.clock.now()
            self.plan(now)
            ran = 0
            while True:
                due = self.timers.due(now)
                if not due:
                    break
                for timer in due:
                    await self._run_timer(timer, now)
                    ran += 1
                    await asyncio.sleep(0)  # a timer's writes and the next ones: two blocks
            await self._flush(now)
            self.outbox.prune(now)
        self._rearm()
        return ran

    async def advance_to(self, target: datetime, clock_set: Callable[[datetime], None]) -> None:
        """Move a manual clock to ``target``, stopping at each due moment on the way."""
        while True:
            self.plan(self.clock.now())
            nxt = self.next_due()
            if nxt is None or nxt > target:
                break
            clock_set(max(nxt, self.clock.now()))
            await self.run_due()
        clock_set(target)
        await self.run_due()

    async def _run_timer(self, timer: Timer, now: datetime) -> None:
        """Run one timer; it stays stored until its work is complete.

        A process killed while the handler runs finds the timer again at the next start and
        runs it once more, so handlers re-read their state and skip what was done (queued
        notifications are unique by key). A timer whose handler fails, or that was started
        MAX_ATTEMPTS times without finishing (it kills the process), is dropped and logged.
        """
        handler = self._handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind %r (key %s); dropped", timer.kind, timer.key)
            self.timers.finish(timer)
            return
        if self.timers.start_attempt(timer) > MAX_ATTEMPTS:
            log.error(
                "timer %s (%s) never finished in %d runs; dropped",
                timer.key,
                timer.kind,
                MAX_ATTEMPTS,
            )
            self.timers.finish(timer)
            return
        try:
            await handler(timer, now - timer.due > LATE_AFTER)
        except Exception:
            log.exception("timer %s (%s) failed", timer.key, timer.kind)
        self.timers.finish(timer)

    async def _flush(self, now: datetime) -> None:
        notes = self.outbox.due(now)
        if not notes or self.deliver is None:
            return
        try:
            await self.deliver([(n, now - n.due > LATE_AFTER) for n in notes])
        except Exception:
            # Telegram unreachable (timeout, network): what was not marked sent is retried
            # at the next wake-up; the bot must keep running, at start-up too.
            log.exception("delivering %d notifications failed; will retry", len(notes))

    def attach(self, application: Application) -> None:
        """Wake the dispatcher with the application's JobQueue (live mode)."""
        self._job_queue = application.job_queue
        if self._job_queue is None:
            raise RuntimeError("JobQueue missing: install python-telegram-bot[job-queue]")
        self._job_queue.run_repeating(
            self._wake,
            interval=SAFETY_TICK,
            first=1.0,
            name="dispatch:tick",
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )
        self._rearm()

    def _rearm(self) -> None:
        if self._job_queue is None:
            return
        nxt = self.next_due()
        for job in self._job_queue.get_jobs_by_name("dispatch:next"):
            job.schedule_removal()
        if nxt is not None:
            when = max(nxt, self.clock.now() + timedelta(milliseconds=50))
            self._job_queue.run_once(
                self._wake,
                when=when,
                name="dispatch:next",
                job_kwargs={"misfire_grace_time": None},
            )

    async def _wake(self, _context: object) -> None:
        await self.run_due()
