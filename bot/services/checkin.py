"""The check-in service: recording check-ins, the login reminders and the lead's summary.

Timers (registered by ``register_timers``): at each shift's login, ``remind_at_login``
reminds the agents on duty who have not checked in; at its check-in deadline, ``summarize``
sends the lead one summary and chases whoever is missing; ``maintain`` runs daily upkeep.
``plan`` stores those timers for every shift occurrence ahead.

With a screen reader (OCR, ``[checkin.ocr]``), each check-in's screenshot is read after the
agent got the confirmation, in a task of its own: the reading edits the confirmation, notes
what concerns the lead, takes unclaimed accounts the screen shows and judges a reused image
by its clock. ``settle`` waits for the readings under way; ``close`` ends the reader.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.clock import TeamTime
from bot.config import Settings
from bot.config.checkin import CheckinSettings
from bot.domain.attendance import Scoring, monthly_attendance
from bot.domain.checkin import (
    Checkin,
    Image,
    Match,
    Recorded,
    Status,
    fmt_day,
    place_checkin,
)
from bot.domain.checkin_report import AttendanceRow, ShiftReport, attendance_text, summary_text
from bot.domain.checkin_text import (
    confirmation,
    late_alert,
    login_reminder,
    missing_chase,
    read_reuse_note,
    reuse_alert,
    reuse_note,
    screen_alert,
    shift_lines,
)
from bot.domain.errors import UserError
from bot.domain.members import Member, Role
from bot.domain.screen_check import (
    REUSE_LABELS,
    Reuse,
    agent_text,
    assess,
    lead_note,
    reuse_verdict,
    unreadable_note,
    unreadable_text,
)
from bot.domain.screen_reading import read_screen
from bot.domain.screen_text import ScreenClock
from bot.domain.shifts import Shift, ShiftOccurrence, occurrences_between
from bot.domain.times import fmt_hhmm
from bot.events import Events
from bot.ocr.reader import OcrResult
from bot.persistence.checkin import CheckinRepo
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Notification, Timer
from bot.scheduling import Scheduler
from bot.screenshots import difference_hash, image_name, prune_images, save_image
from bot.services.messenger import Messenger, Posted
from bot.services.roster import Roster

log = logging.getLogger(__name__)

REMIND = "checkin:remind"
SUMMARY = "checkin:summary"
MAINTAIN = "checkin:maintain"
# roster changes stay live for two months so /attendance of last month reads one file
ROSTER_LIVE_DAYS = 62


@dataclass(frozen=True)
class Download:
    """A screenshot's bytes, or why they could not be downloaded."""

    data: bytes | None
    problem: str | None = None


class Screenshot(Protocol):
    """The image of a check-in, downloaded only once the check-in is accepted."""

    @property
    def file_id(self) -> str:
        """Return the id to download the file by."""
        ...

    @property
    def unique_id(self) -> str:
        """Return the id that stays the same for the same file, whoever sends it."""
        ...

    async def fetch(self) -> Download:
        """Download the image; a failure is returned, never raised."""
        ...


class Reader(Protocol):
    """Reads the text in check-in screenshots (``bot.ocr.ScreenReader``), off the event loop."""

    async def start(self) -> str | None:
        """Get ready to read; return why it cannot, or None."""
        ...

    async def read(self, data: bytes) -> OcrResult | None:
        """Return the lines of text in an image or why it could not be read; None: not read.

        None is for readers that read only some images (console mode's recorded samples).
        """
        ...

    async def close(self) -> None:
        """Stop reading and free what reading holds."""
        ...


# Answers the agent; returns where the confirmation landed so the reading can edit it.
Confirm = Callable[[Recorded], Awaitable[Posted | None]]


@dataclass(frozen=True)
class PendingReading:
    """A stored check-in whose screenshot is still to be read."""

    recorded: Recorded
    data: bytes
    named: bool  # the caption named the accounts
    match: Match | None  # the earlier screenshot the hash found alike
    note: str | None  # the reuse note stored for that match
    posted: Posted | None  # the confirmation to edit


@dataclass
class CheckinService:
    """Check-ins (挂号) of the team and what the lead hears about them."""

    settings: Settings
    time: TeamTime
    repo: CheckinRepo
    members: MemberRepo
    roster: Roster
    scheduler: Scheduler
    events: Events
    data_root: Path
    reader: Reader | None = field(default=None, kw_only=True)
    messenger: Messenger | None = field(default=None, kw_only=True)
    _readings: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.repo.tracking_since(self.time.now())  # shifts before the first start: no absence

    @property
    def conf(self) -> CheckinSettings:
        """Return the [checkin] settings."""
        return self.settings.checkin

    def register_timers(self) -> None:
        """Give the scheduler this service's timer handlers and planner."""
        self.scheduler.on(REMIND, self.remind_at_login)
        self.scheduler.on(SUMMARY, self.summarize)
        self.scheduler.on(MAINTAIN, self.maintain)
        self.scheduler.add_planner(self.plan)

    # ---- recording a check-in ----

    async def record(
        self,
        member: Member,
        shot: Screenshot,
        moment: datetime,
        names: str,
        confirm: Confirm,
    ) -> Recorded:
        """Place, check and store a check-in at ``moment``; confirm it; tell the lead what matters.

        ``names`` are the accounts the agent claims (empty: the ones they cover). ``confirm``
        answers the agent before listeners of ``checkin.recorded`` speak, so the confirmation
        comes first. Raise UserError, storing nothing, for an unknown account name or a moment
        outside every shift; the screenshot is downloaded only after those checks.
        """
        named = self.roster.resolve_accounts(names)
        placement = place_checkin(
            self.settings.shifts,
            lambda day: self.roster.shift_of(member, day),
            moment,
            self.settings.timezone,
            timedelta(minutes=self.conf.early_minutes),
        )
        occurrence = placement.occurrence
        owner = (occurrence.day, occurrence.shift.key, member.work_no)
        existing = self.repo.get(*owner)
        image, data = await self._image(shot, moment, occurrence, member)
        match = self.repo.find_reuse(image, owner, self.conf.duplicate_distance)
        for account in named:
            self.roster.assign(account, member, occurrence, member, moment, source="checkin")
        if existing is None:
            checkin = Checkin(
                day=occurrence.day,
                shift=occurrence.shift.key,
                work_no=member.work_no,
                name=member.name,
                at=moment,
                status=placement.status,
                late_minutes=placement.late_minutes,
            )
        else:
            checkin = existing  # the first check-in's time and status stand; accounts are replaced
        checkin.accounts = tuple(named or self.roster.accounts_of(member, occurrence))
        checkin.images.append(image)
        note = None
        if match is not None:
            note = reuse_note(match, self._shift_name(match.shift))
            checkin.duplicates.append(note)
        self.repo.save(checkin)
        recorded = Recorded(member, checkin, occurrence, image, updated=existing is not None)
        reading = self.reader is not None and data is not None
        # Every consequence is queued before the reply, so a reply Telegram fails loses none;
        # queued alerts go out after this update, so the confirmation still comes first.
        # With a reading to come, whether the image was reused waits for its clock.
        self._alert_after_summary(recorded, None if reading else note)
        posted = await confirm(recorded)
        if existing is None:
            await self.events.emit(
                "checkin.recorded", member=member, occurrence=occurrence, at=moment
            )
        if reading:
            assert data is not None
            pending = PendingReading(recorded, data, bool(named), match, note, posted)
            task = asyncio.create_task(self._read_logged(pending))
            self._readings.add(task)
            task.add_done_callback(self._readings.discard)
        return recorded

    async def _image(
        self, shot: Screenshot, moment: datetime, occurrence: ShiftOccurrence, member: Member
    ) -> tuple[Image, bytes | None]:
        """Download, hash and archive a screenshot; a failure is noted, never raised."""
        image = Image(file_id=shot.file_id, unique_id=shot.unique_id, at=moment)
        download = await shot.fetch()
        if download.data is None:
            image.problem = download.problem
            return image, None
        data = download.data
        try:
            # decoding a phone photo takes 0.1-0.2 s: not on the event loop
            image.phash = await asyncio.to_thread(difference_hash, data)
        except ValueError as err:
            image.problem = str(err)
        if self.conf.archive_images:
            day, key = occurrence.day, occurrence.shift.key
            name = image_name(day, key, member.work_no, shot.unique_id, data)
            try:
                image.path = save_image(self.data_root, day, name, data)
            except OSError as err:
                log.warning("could not archive check-in image %s: %s", name, err)
        return image, data

    # ---- reading the screenshot (OCR) ----

    async def start(self) -> None:
        """Get the screen reader ready (at the bot's start), so the first reading is quick."""
        if self.reader is not None:
            problem = await self.reader.start()
            if problem is not None:
                log.warning("screenshot reading not ready: %s", problem)

    async def settle(self) -> None:
        """Wait until every screenshot reading under way has finished."""
        while self._readings:
            await asyncio.gather(*self._readings, return_exceptions=True)

    async def close(self) -> None:
        """Cancel the readings under way and end the reader (at the bot's stop)."""
        for task in list(self._readings):
            task.cancel()
        await asyncio.gather(*self._readings, return_exceptions=True)
        if self.reader is not None:
            await self.reader.close()

    async def _read_logged(self, pending: PendingReading) -> None:
        try:
            await self.read_screenshot(pending)
        except Exception:
            log.exception("reading the check-in screenshot failed")

    async def read_screenshot(self, pending: PendingReading) -> None:
        """Read a check-in's screenshot; edit the confirmation, note and assign what it shows."""
        assert self.reader is not None
        result = await self.reader.read(pending.data)
        recorded, tz = pending.recorded, self.settings.timezone
        if result is None:
            self._alert_after_summary(recorded, pending.note, late=False)
            return
        agent, lead, clock, covered = self._judge_screen(pending, result)
        member, occurrence, image = recorded.member, recorded.occurrence, recorded.image
        # another check-in of the same shift may have been stored while this one was read
        checkin = self.repo.get(occurrence.day, occurrence.shift.key, member.work_no)
        if checkin is None:
            return  # archived meanwhile: nothing left to annotate
        for stored in checkin.images:
            if clock is not None and (stored.unique_id, stored.at) == (image.unique_id, image.at):
                stored.clock = clock.to_text()
        if lead is not None:
            checkin.notes.append(lead)
        reuse = self._judge_reuse(checkin, pending, clock)
        if covered:
            for account in covered:
                self.roster.assign(account, member, occurrence, member, image.at, source="checkin")
            checkin.accounts = covered
        self.repo.save(checkin)
        now = Recorded(member, checkin, occurrence, image, recorded.updated)
        if pending.posted is not None and self.messenger is not None:
            text = f"{confirmation(now, tz)}\n{agent}"
            await self.messenger.edit(pending.posted.chat_id, pending.posted.message_id, text)
        self._alert_reading_after_summary(now, lead, reuse)

    def _judge_screen(
        self, pending: PendingReading, result: OcrResult
    ) -> tuple[str, str | None, ScreenClock | None, tuple[str, ...]]:
        """Return the agent's lines, the lead's note, the clock and the accounts covered."""
        if result.problem is not None:
            return unreadable_text(result.problem), unreadable_note(result.problem), None, ()
        recorded, ocr, tz = pending.recorded, self.conf.ocr, self.settings.timezone
        member, occurrence, at = recorded.member, recorded.occurrence, recorded.image.at
        names = ocr.screen_names(self.roster.accounts())
        reading = read_screen(result.lines, names, at.astimezone(tz).date())
        found = assess(
            reading,
            at,
            tz,
            ocr.clock_tolerance_minutes,
            expected=recorded.checkin.accounts
            if pending.named
            else self.roster.accounts_of(member, occurrence),
            named=pending.named,
            unassigned=[a for a, h in self.roster.coverage(occurrence).items() if h is None],
        )
        # found.covered is empty when the caption named accounts: those stand
        return agent_text(found, self.conf.hashtag), lead_note(found), reading.clock, found.covered

    def _judge_reuse(
        self, checkin: Checkin, pending: PendingReading, clock: ScreenClock | None
    ) -> str | None:
        """Settle a reuse note by both clocks; return the note that stands, or None."""
        if pending.match is None or pending.note is None:
            return None
        verdict = reuse_verdict(True, clock, _stored_clock(pending.match.clock))
        if pending.note not in checkin.duplicates:
            return None
        at = checkin.duplicates.index(pending.note)
        if verdict is Reuse.RETAKEN:
            del checkin.duplicates[at]
            return None
        checkin.duplicates[at] = read_reuse_note(pending.note, REUSE_LABELS[verdict])
        return checkin.duplicates[at]

    def _alert_reading_after_summary(
        self, recorded: Recorded, lead: str | None, reuse: str | None
    ) -> None:
        """Tell the lead at once what a reading finished after the summary found."""
        occurrence, tz = recorded.occurrence, self.settings.timezone
        key = occurrence.shift.key
        if not self.repo.summarized(occurrence.day, key):
            return
        tag = f"{occurrence.day.isoformat()}:{key}:{recorded.member.work_no}"
        unique = recorded.image.unique_id
        if lead is not None:
            self.scheduler.notify(
                {"leads": key},
                screen_alert(recorded, lead, tz),
                key=f"checkin:screen:{tag}:{unique}",
            )
        if reuse is not None:
            self.scheduler.notify(
                {"leads": key},
                reuse_alert(recorded, reuse, tz),
                key=f"checkin:reuse:{tag}:{unique}",
            )

    def _alert_after_summary(
        self, recorded: Recorded, note: str | None, late: bool = True
    ) -> None:
        """Tell the lead at once about what the summary, already sent, could not include.

        ``late`` false leaves out the late check-in, told when it was recorded.
        """
        occurrence, tz = recorded.occurrence, self.settings.timezone
        key = occurrence.shift.key
        if not self.repo.summarized(occurrence.day, key):
            return
        tag = f"{occurrence.day.isoformat()}:{key}:{recorded.member.work_no}"
        if late and recorded.checkin.status is not Status.ON_TIME and self.conf.report_late:
            self.scheduler.notify(
                {"leads": key}, late_alert(recorded, tz), key=f"checkin:late:{tag}"
            )
        if note is not None:
            self.scheduler.notify(
                {"leads": key},
                reuse_alert(recorded, note, tz),
                key=f"checkin:reuse:{tag}:{recorded.image.unique_id}",
            )

    def _shift_name(self, key: str) -> str:
        shift = self.settings.shift(key)
        return shift.name if shift else key

    # ---- timers ----

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the login reminder and deadline summary of every shift occurrence in the window.

        Each timer is stored in the window holding its due time, so a bot first started between
        a shift's login and its deadline still sends that shift's summary.
        """
        tz = self.settings.timezone
        for occurrence in occurrences_between(
            self.settings.shifts, start - timedelta(days=1), end, tz
        ):
            tag = f"{occurrence.day.isoformat()}:{occurrence.shift.key}"
            payload = {"day": occurrence.day.isoformat(), "shift": occurrence.shift.key}
            timers = [(SUMMARY, occurrence.deadline(tz))]
            if self.conf.remind_at_login:
                timers.append((REMIND, occurrence.start(tz)))
            for kind, due in timers:
                if start <= due < end:
                    self.scheduler.at(kind, due, key=f"{kind}:{tag}", payload=payload)
        day = start.astimezone(tz).date()
        while day <= end.astimezone(tz).date():
            due = datetime.combine(day, self.conf.maintenance_at, tzinfo=tz)
            if start <= due < end:
                self.scheduler.at(MAINTAIN, due, key=f"{MAINTAIN}:{day.isoformat()}")
            day += timedelta(days=1)

    def _occurrence(self, timer: Timer) -> ShiftOccurrence | None:
        shift = self.settings.shift(timer.payload.get("shift", ""))
        if shift is None:
            return None  # the shift was removed from settings since the timer was stored
        return ShiftOccurrence(shift, date.fromisoformat(timer.payload["day"]))

    def _missing(self, occurrence: ShiftOccurrence, checkins: list[Checkin]) -> list[Member]:
        """Return the agents on duty in a shift occurrence without one of its ``checkins``."""
        done = {c.work_no for c in checkins}
        on_duty = self.roster.agents_on_duty(occurrence.day, occurrence.shift.key)
        return [m for m in on_duty if m.work_no not in done]

    async def remind_at_login(self, timer: Timer, late: bool) -> None:
        """Remind on-duty agents who have not checked in yet that their shift starts."""
        occurrence = self._occurrence(timer)
        if occurrence is None:
            return
        day, key = occurrence.day, occurrence.shift.key
        deadline_at = occurrence.deadline(self.settings.timezone)
        if self.repo.summarized(day, key) or self.time.now() >= deadline_at:
            return  # the deadline passed while the bot was down: the summary says it all
        for member in self._missing(occurrence, self.repo.for_occurrence(day, key)):
            accounts = self.roster.accounts_of(member, occurrence)
            self.scheduler.notify(
                {"user": member.user_id},
                login_reminder(member, occurrence, accounts, self.conf.hashtag),
                key=f"{REMIND}:{day.isoformat()}:{key}:{member.work_no}",
                due=timer.due,
            )

    def build_report(self, occurrence: ShiftOccurrence) -> ShiftReport:
        """Collect what the lead needs to know about one shift occurrence."""
        day, key = occurrence.day, occurrence.shift.key
        shift = occurrence.shift
        report = ShiftReport(day, shift.name, fmt_hhmm(shift.checkin_deadline))
        checkins = self.repo.for_occurrence(day, key)
        for checkin in checkins:
            report.add_checkin(checkin, self.time.local(checkin.at))
        for member in self._missing(occurrence, checkins):
            report.add_missing(member, self.roster.accounts_of(member, occurrence))
        for member in self.members.all():
            if member.role is not Role.AGENT or member.shift != key:
                continue
            reason = self.roster.absence(member, day)
            if reason is not None:
                report.add_absent(member, reason)
        coverage = self.roster.coverage(occurrence)
        report.uncovered = [a for a, m in coverage.items() if m is None]
        return report

    async def summarize(self, timer: Timer, late: bool) -> None:
        """Send the lead one summary at the check-in deadline; chase the missing agents."""
        occurrence = self._occurrence(timer)
        if occurrence is None:
            return
        day, key = occurrence.day, occurrence.shift.key
        if self.repo.summarized(day, key):
            return
        report = self.build_report(occurrence)
        tag = f"{day.isoformat()}:{key}"
        notes = [
            Notification(f"{SUMMARY}:{tag}", timer.due, {"leads": key}, summary_text(report, late))
        ]
        if self.conf.chase_missing:
            notes += [
                Notification(
                    f"checkin:missing:{tag}:{member.work_no}",
                    timer.due,
                    {"user": member.user_id},
                    missing_chase(member, occurrence),
                )
                for member in self._missing(occurrence, self.repo.for_occurrence(day, key))
            ]
        # All in one write, and only then marked summarized: a crash in between leaves the
        # timer to run again, and the keys keep what was already queued from going twice.
        self.scheduler.notify_many(notes)
        self.repo.mark_summarized(day, key)

    async def maintain(self, timer: Timer, late: bool) -> None:
        """Move old check-ins and roster changes to the archive; drop images past retention."""
        today = self.time.today()
        moved = self.repo.archive_before(today - timedelta(days=self.conf.live_days))
        changes = self.roster.archive_before(today - timedelta(days=ROSTER_LIVE_DAYS))
        pruned = prune_images(self.data_root, today, self.conf.image_retention_days)
        log.info(
            "check-in upkeep: %d check-ins, %d roster changes archived, %d images pruned",
            moved,
            changes,
            pruned,
        )

    # ---- what the lead reads ----

    def day_text(self, day: date, now: datetime) -> str:
        """Return a date's check-ins per shift, with who is still missing (/checkins)."""
        lines = [f"📋 {fmt_day(day)} 挂号情况"]
        tz = self.settings.timezone
        for shift in self.settings.shifts:
            occurrence = ShiftOccurrence(shift, day)
            records = self.repo.for_occurrence(day, shift.key)
            waiting = self._missing(occurrence, records)
            uncovered = [a for a, h in self.roster.coverage(occurrence).items() if h is None]
            past = now > occurrence.deadline(tz)
            lines.extend(shift_lines(shift, records, waiting, past, uncovered, tz))
        return "\n".join(lines)

    def monthly_attendance(self, year: int, month: int, now: datetime) -> list[AttendanceRow]:
        """Count each agent's shifts of a month whose check-in deadline has passed by ``now``."""
        conf = self.conf
        return monthly_attendance(
            year,
            month,
            self.members.all(),
            self._shift_on,
            self.repo.for_month(year, month),
            self.roster.offs_in_month(year, month),
            self.repo.tracking_since(now),
            now,
            self.settings.timezone,
            Scoring(conf.kpi_points, conf.late_penalty, conf.leave_penalty, conf.absence_penalty),
        )

    def _shift_on(self, member: Member, day: date) -> Shift | None:
        key = self.roster.shift_of(member, day)
        return self.settings.shift(key) if key else None

    def attendance_text(self, year: int, month: int, now: datetime) -> str:
        """Return the attendance table of a month (/attendance); raise UserError if it is ahead."""
        today = self.time.local(now).date()
        if date(year, month, 1) > today:
            raise UserError(f"{year}年{month}月还没开始。")
        rows = self.monthly_attendance(year, month, now)
        since = self.time.local(self.repo.tracking_since(now)).date()
        start = max(date(year, month, 1), since)
        end = min(today, _month_end(year, month))
        if start > end:
            return f"{year}年{month}月没有挂号记录：机器人从 {fmt_day(since)} 开始记录。"
        title = f"📊 {year}年{month}月考勤（{fmt_day(start)} 至 {fmt_day(end)}）"
        return attendance_text(title, rows, self.conf.kpi_points)


def _stored_clock(text: str | None) -> ScreenClock | None:
    """Return a clock stored with an image; None when none was read (or it is unreadable)."""
    try:
        return ScreenClock.from_text(text) if text else None
    except ValueError:
        log.warning("stored screen clock %r is not a clock", text)
        return None


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)
