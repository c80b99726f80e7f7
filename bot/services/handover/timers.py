"""The handover timer jobs: remind, post at login, alert the lead, roll over, escalate.

Timers per shift occurrence (planned ahead, keyed by kind and occurrence):
``handover:remind`` (end − remind_before), ``handover:post`` (login), ``handover:alert``
(login + ack_alert_after, plus one per batch written or rolled over after login) and
``handover:rollover`` (end). Per item: ``handover:urgent`` (urgent_after past the later of
writing and the receiving shift's login). Every job re-reads the items and acts only on
what is still open, so running one twice is harmless. At start, ``handover:repost`` (now)
posts again, marked 可能重复, the items a stop caught between marking a post and recording
its message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from bot.clock import TeamTime
from bot.config import Settings
from bot.config.handover import HandoverSettings
from bot.domain import handover_text as fmt
from bot.domain.handover import Item, occ_from_key, occ_key, reminder_at
from bot.domain.shifts import ShiftOccurrence, occurrences_between
from bot.domain.times import iso
from bot.persistence.handover import HandoverRepo
from bot.persistence.timers import Timer
from bot.scheduling import Scheduler
from bot.services.handover.cards import Cards
from bot.services.handover.shifts import receiving_occurrence
from bot.services.roster import Roster

log = logging.getLogger(__name__)


ShiftJob = Callable[["HandoverTimers", ShiftOccurrence, str, Timer], Awaitable[None]]


def _per_shift(job: ShiftJob) -> Callable[[HandoverTimers, Timer, bool], Awaitable[None]]:
    """Make a timer handler of a job about one shift occurrence, named in the timer's payload."""

    @wraps(job)
    async def run(timers: HandoverTimers, timer: Timer, late: bool) -> None:
        occ = occ_from_key(str(timer.payload.get("occ", "")), timers.settings.shifts)
        if occ is not None:  # a key from settings since changed: the shift is gone
            await job(timers, occ, occ_key(occ), timer)

    return run


@dataclass
class HandoverTimers:
    """Stores the handover timers and runs them when they are due."""

    settings: Settings
    time: TeamTime
    repo: HandoverRepo
    roster: Roster
    scheduler: Scheduler
    cards: Cards

    @property
    def conf(self) -> HandoverSettings:
        """Return the [handover] settings."""
        return self.settings.handover

    def register(self) -> None:
        """Give the scheduler the handover jobs and the planner; resume interrupted posts."""
        self.scheduler.on("handover:remind", self.remind)
        self.scheduler.on("handover:post", self.post_due)
        self.scheduler.on("handover:alert", self.alert)
        self.scheduler.on("handover:rollover", self.rollover)
        self.scheduler.on("handover:urgent", self.escalate)
        self.scheduler.on("handover:repost", self.repost)
        self.scheduler.add_planner(self.plan)
        self._resume_posts()

    def _resume_posts(self) -> None:
        """At start: posts a stop interrupted between marking and recording go out again."""
        now = self.time.now()
        for key in self.repo.posting_occs():
            log.warning("handover items for %s were being posted when the bot stopped", key)
            self.scheduler.at(
                "handover:repost", now, key=f"handover:repost:{key}", payload={"occ": key}
            )

    # ---- storing timers -------------------------------------------------------------------

    def _occ_timers(self, occ: ShiftOccurrence) -> list[tuple[str, datetime]]:
        tz = self.settings.timezone
        return [
            ("handover:remind", reminder_at(occ, self.conf.remind_before, tz)),
            ("handover:post", occ.start(tz)),
            ("handover:alert", occ.start(tz) + self.conf.ack_alert_after),
            ("handover:rollover", occ.end(tz)),
        ]

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the per-shift timers falling in ``[start, end)`` (idempotent by key)."""
        tz = self.settings.timezone
        for occ in occurrences_between(self.settings.shifts, start - timedelta(days=2), end, tz):
            for kind, due in self._occ_timers(occ):
                if start <= due < end:
                    self._at(kind, due, occ)

    def ensure(self, occ: ShiftOccurrence, now: datetime) -> None:
        """Make sure the future timers of a shift exist (items can target one not planned yet)."""
        for kind, due in self._occ_timers(occ):
            if due > now:
                self._at(kind, due, occ)

    def _at(self, kind: str, due: datetime, occ: ShiftOccurrence) -> None:
        key = occ_key(occ)
        self.scheduler.at(kind, due, key=f"{kind}:{key}", payload={"occ": key})

    def alert_later(self, key: str, due: datetime) -> None:
        """Add an alert check for items that reached a shift after its own alert time."""
        self.scheduler.at(
            "handover:alert", due, key=f"handover:alert:{key}:{iso(due)}", payload={"occ": key}
        )

    def escalate_at(self, item: Item) -> None:
        """Store the escalation of an urgent item not done by its ``urgent_due``."""
        if item.urgent_due is not None:
            self.scheduler.at(
                "handover:urgent",
                item.urgent_due,
                key=f"handover:urgent:{item.id}",
                payload={"id": item.id},
            )

    # ---- the jobs -------------------------------------------------------------------------

    @_per_shift
    async def remind(self, occ: ShiftOccurrence, key: str, timer: Timer) -> None:
        """Remind the agents of a shift who wrote no handover yet, before the shift ends."""
        written = self.repo.written(key)
        text = fmt.reminder(occ, self.settings.timezone)
        for member in self.roster.agents_on_duty(occ.day, occ.shift.key):
            if member.user_id not in written:
                self.scheduler.notify(
                    {"user": member.user_id},
                    text,
                    key=f"handover:remind:{key}:{member.user_id}",
                    due=timer.due,  # sent after downtime, it is marked 【补发】
                )

    @_per_shift
    async def post_due(self, occ: ShiftOccurrence, key: str, timer: Timer) -> None:
        """At a shift's login, post the open items addressed to it in the team chat."""
        items = [i for i in self.repo.for_target(key) if i.posted_for != key]
        if not items:
            return  # nothing handed over, or already posted when written after login
        # Run again after a stop: an item marked as being posted may have been shown.
        again = any(i.posting_for == key for i in items)
        await self._post_list(key, items, again)

    async def repost(self, timer: Timer, late: bool) -> None:
        """Post again, marked as a possible repeat, items whose post a stop interrupted."""
        key = str(timer.payload.get("occ", ""))
        items = self.repo.posting(key)
        if items:
            await self._post_list(key, items, True)

    async def _post_list(self, key: str, items: list[Item], again: bool) -> None:
        """Post items as the shift's list under its login heading."""
        header = fmt.login_header(key, items, self.settings.shifts)
        await self.cards.post(key, items, header, self.time.now(), maybe_shown=again)

    @_per_shift
    async def alert(self, occ: ShiftOccurrence, key: str, timer: Timer) -> None:
        """Tell the lead, once, which items a shift has not acknowledged or carries over."""
        now = self.time.now()
        items = [i for i in self.repo.for_target(key) if i.needs_alert(key, now)]
        if not items:
            return
        minutes = int(self.conf.ack_alert_after.total_seconds() // 60)
        ids = ",".join(str(i.id) for i in items)
        self.scheduler.notify(
            {"leads": occ.shift.key},
            fmt.alert(key, items, minutes, self.settings.timezone, self.settings.shifts),
            key=f"handover:alert:{key}:{ids}:{iso(now)}",
            due=timer.due,
        )
        for item in items:
            item.alerted_for = key
            self.repo.save(item)

    @_per_shift
    async def rollover(self, occ: ShiftOccurrence, key: str, timer: Timer) -> None:
        """At a shift's end, hand its items still open on to the next shift (顺延)."""
        now = self.time.now()
        tz = self.settings.timezone
        items = [i for i in self.repo.for_target(key) if not i.done]
        if items:
            nxt = receiving_occurrence(self.roster, occ, now)
            target = occ_key(nxt)
            started = nxt.start(tz) <= now
            for item in items:  # all saved before the first await, so no press is overwritten
                item.roll_over(target, nxt.start(tz), now, self.conf.ack_alert_after)
                if started:  # posted below; a stop before its message is recorded reposts it
                    item.posting_for, item.posting_at = target, now
                self.repo.save(item)
            if not started:  # reposted at the next login; until then the posts say 顺延
                await self.cards.refresh_all(items)
                self.ensure(nxt, now)
            else:  # reposted now: retiring the old posts is their one edit
                header = fmt.rollover_header(key, target, len(items), self.settings.shifts)
                await self.cards.post(target, items, header, now)
                self.alert_later(target, max(i.ack_due for i in items))
        self.repo.archive_written(occ.day - timedelta(days=3))

    async def escalate(self, timer: Timer, late: bool) -> None:
        """Escalate an urgent item not done in time to the lead, once."""
        item = self.repo.get(int(timer.payload.get("id", 0)))
        if item is None or item.done or item.escalated:
            return
        occ = occ_from_key(item.to_occ, self.settings.shifts)
        minutes = int(self.conf.urgent_after.total_seconds() // 60)
        self.scheduler.notify(
            {"leads": occ.shift.key if occ else None},
            fmt.escalation(item, minutes, self.settings.timezone, self.settings.shifts),
            key=f"handover:urgent:{item.id}",
            due=timer.due,
        )
        item.escalated = True
        self.repo.save(item)
