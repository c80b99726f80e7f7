"""The check-in service without Telegram: a fixed clock, real repositories in a tmp folder."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock, TeamTime
from bot.config import parse_settings
from bot.domain.checkin import Recorded, Status
from bot.domain.checkin_report import AttendanceRow
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from bot.events import Events
from bot.persistence.checkin import CheckinRepo
from bot.persistence.members import MemberRepo
from bot.persistence.roster import RosterRepo
from bot.persistence.store import Store
from bot.persistence.timers import Notification
from bot.scheduling import Scheduler
from bot.services.checkin import CheckinService, Download
from bot.services.messenger import Posted
from bot.services.roster import Roster

ROOT = Path(__file__).resolve().parents[2]
QIANNU = (ROOT / "samples" / "checkin-qianniu.png").read_bytes()
JINGMAI = (ROOT / "samples" / "checkin-jingmai.png").read_bytes()


@dataclass
class Shot:
    """A screenshot whose download returns ``data`` (None: the download fails)."""

    data: bytes | None
    unique_id: str = "unique-1"
    file_id: str = "file-1"
    fetched: int = 0

    async def fetch(self) -> Download:
        """Count the download and return the bytes or the failure."""
        self.fetched += 1
        return Download(self.data, None if self.data is not None else "下载失败：文件不存在")


@dataclass
class Rig:
    """The check-in service over the demo team, and what it told people."""

    clock: ManualClock
    service: CheckinService
    scheduler: Scheduler
    members: MemberRepo
    said: list[str] = field(default_factory=list)  # confirmations and events, in order
    sent: list[Notification] = field(default_factory=list)  # what the scheduler delivered

    def at(self, text: str) -> datetime:
        """Return a local ``YYYY-MM-DD HH:MM`` as an aware datetime."""
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=self.service.time.tz)

    def member(self, work_no: str) -> Member:
        """Return a member of the demo team by 工号."""
        member = self.members.by_work_no(work_no)
        assert member is not None
        return member

    async def advance(self, to: str) -> None:
        """Move the clock to a local time, running every timer due on the way."""
        await self.scheduler.advance_to(self.at(to), self.clock.set)

    async def check_in(self, work_no: str, shot: Shot, names: str = "") -> Recorded:
        """Record a check-in by a member at the clock's time."""

        async def confirm(recorded: Recorded) -> Posted:
            self.said.append(f"confirm {recorded.member.work_no}")
            return Posted(-100, len(self.said))  # where the reading would edit it

        return await self.service.record(
            self.member(work_no), shot, self.clock.now(), names, confirm
        )

    async def deliver(self, items: list[tuple[Notification, bool]]) -> None:
        """Take due notifications as sent (what Delivery would do over Telegram)."""
        self.sent.extend(n for n, _ in items)
        self.scheduler.outbox.mark_sent([n.key for n, _ in items], self.clock.now(), "test")

    def queued(self, prefix: str) -> list[Notification]:
        """Return the notifications queued so far (delivered or not) whose key has ``prefix``."""
        pending = self.scheduler.outbox.due(self.at("2030-01-01 00:00"))
        return [n for n in [*self.sent, *pending] if n.key.startswith(prefix)]


def build(data: Path, start: str) -> Rig:
    """Build the service from its parts, as bot/wiring.py does, with no Application."""
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    settings = parse_settings(raw)
    clock = ManualClock(
        datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=settings.timezone)
    )
    store = Store(data)
    members = MemberRepo(store)
    members.seed(settings.members)
    scheduler = Scheduler(store, clock)
    roster = Roster(settings, members, RosterRepo(store))
    service = CheckinService(
        settings,
        TeamTime(clock, settings.timezone),
        CheckinRepo(store),
        members,
        roster,
        scheduler,
        Events(),
        store.root,
    )
    service.register_timers()
    rig = Rig(clock, service, scheduler, members)
    scheduler.deliver_with(rig.deliver)

    async def recorded(member: Member, occurrence: ShiftOccurrence, at: datetime) -> None:
        rig.said.append(f"event {member.work_no} {occurrence.shift.key}")

    service.events.on("checkin.recorded", recorded)
    return rig


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """The service at Monday 2026-11-23 08:30, when it first started."""
    yield build(tmp_path / "data", "2026-11-23 08:30")


async def test_a_check_in_before_the_deadline_is_stored_on_time_and_confirmed_first(
    rig: Rig,
) -> None:
    await rig.advance("2026-11-23 08:45")
    recorded = await rig.check_in("2", Shot(QIANNU))
    assert recorded.checkin.status is Status.ON_TIME and not recorded.updated
    stored = rig.service.repo.get(rig.at("2026-11-23 00:00").date(), "day", "2")
    assert stored is not None and stored.status is Status.ON_TIME
    assert stored.accounts == ("京东自营店", "淘宝C店2")
    assert stored.images[0].phash and stored.images[0].path
    assert rig.said == ["confirm 2", "event 2 day"]  # the agent hears first, listeners after
    assert rig.queued("checkin:late") == []


async def test_a_second_check_in_updates_the_first_without_a_second_event(rig: Rig) -> None:
    await rig.advance("2026-11-23 08:45")
    await rig.check_in("2", Shot(QIANNU))
    await rig.advance("2026-11-23 09:10")
    recorded = await rig.check_in("2", Shot(JINGMAI, unique_id="unique-2"), "官网客服")
    assert recorded.updated and recorded.checkin.status is Status.ON_TIME
    assert recorded.checkin.accounts == ("官网客服",) and len(recorded.checkin.images) == 2
    assert rig.said == ["confirm 2", "event 2 day", "confirm 2"]


async def test_a_late_check_in_after_the_summary_is_reported_to_the_lead_once(rig: Rig) -> None:
    await rig.advance("2026-11-23 08:58")  # the 08:50 summary is queued on the way
    recorded = await rig.check_in("3", Shot(QIANNU))
    assert recorded.checkin.status is Status.LATE and recorded.checkin.late_minutes == 8
    await rig.check_in("3", Shot(JINGMAI, unique_id="unique-2"))
    [alert] = rig.queued("checkin:late:")
    assert alert.recipient == {"leads": "day"}
    assert alert.text == "⏰ 3号客服 王五 11月23日（周一） 白班 08:58 挂号，迟到 8 分钟。"


async def test_a_check_in_on_a_day_off_is_stored_as_off_roster(rig: Rig) -> None:
    await rig.advance("2026-11-23 08:45")
    recorded = await rig.check_in("1", Shot(QIANNU))  # 张三 rests on Mondays
    assert recorded.checkin.status is Status.OFF_ROSTER
    assert recorded.checkin.label == "非排班"


async def test_a_check_in_outside_every_shift_stores_and_downloads_nothing(rig: Rig) -> None:
    await rig.advance("2026-11-24 03:00")
    shot = Shot(QIANNU)
    with pytest.raises(UserError, match="不在任何班次时间内"):
        await rig.check_in("2", shot)
    with pytest.raises(UserError, match="没有账号 '拼多多'"):
        await rig.check_in("2", shot, "拼多多")
    assert shot.fetched == 0
    assert rig.service.repo.for_day(rig.at("2026-11-23 00:00").date()) == []
    assert rig.said == []


async def test_a_failed_download_is_noted_and_the_check_in_still_counts(rig: Rig) -> None:
    await rig.advance("2026-11-23 08:45")
    recorded = await rig.check_in("2", Shot(None))
    assert recorded.image.problem == "下载失败：文件不存在" and recorded.image.phash is None
    assert recorded.checkin.status is Status.ON_TIME


async def test_the_login_reminder_is_queued_only_for_agents_not_checked_in(
    tmp_path: Path,
) -> None:
    rig = build(tmp_path / "data", "2026-11-24 08:00")
    await rig.advance("2026-11-24 08:20")
    await rig.check_in("1", Shot(QIANNU))  # early, within the hour before login
    await rig.advance("2026-11-24 08:40")
    reminders = rig.queued("checkin:remind:")
    assert [n.key for n in reminders] == [
        "checkin:remind:2026-11-24:day:2",
        "checkin:remind:2026-11-24:day:3",
    ]
    assert reminders[0].recipient == {"user": rig.member("2").user_id}
    assert reminders[0].due == rig.at("2026-11-24 08:40")
    assert reminders[0].text == (
        "⏰ 李四，白班上班时间到了：请登录负责的账号（京东自营店、淘宝C店2），"
        "08:50 前把挂号截图发到团队群（图片说明写 /checkin 或 #挂号）。"
    )


async def test_the_summary_is_queued_once_at_the_deadline_with_its_lines(rig: Rig) -> None:
    await rig.advance("2026-11-23 08:44")
    await rig.check_in("2", Shot(QIANNU))
    await rig.advance("2026-11-23 08:51")
    await rig.advance("2026-11-24 08:00")  # a restart re-plans: the summary stays one
    [summary] = rig.queued("checkin:summary:2026-11-23:day")
    assert summary.recipient == {"leads": "day"}
    assert summary.due == rig.at("2026-11-23 08:50")
    assert summary.text == (
        "📋 11月23日（周一） 白班挂号（截止 08:50）\n"
        "✅ 准时（1）：2号 李四 08:44\n"
        "❌ 未挂号（1）：3号 王五（负责：唯品会专卖）\n"
        "🛌 休息/请假（1）：1号 张三（轮休）\n"
        "⚠️ 无人负责的账号（3）：天猫旗舰店、淘宝C店1、官网客服"
    )
    [chase] = rig.queued("checkin:missing:2026-11-23:day:")
    assert chase.recipient == {"user": rig.member("3").user_id}
    assert rig.service.repo.summarized(rig.at("2026-11-23 00:00").date(), "day")


async def test_attendance_counts_on_time_late_missing_and_leave_for_a_month(rig: Rig) -> None:
    lead = rig.member("80")
    rig.service.roster.take_off("3", "11-24", "请假", lead, rig.clock.now())  # −5
    rig.clock.set(rig.at("2026-11-23 08:45"))
    await rig.check_in("2", Shot(QIANNU))
    rig.clock.set(rig.at("2026-11-23 09:02"))
    await rig.check_in("3", Shot(JINGMAI, unique_id="unique-2"))  # 12 minutes late: −5
    rig.clock.set(rig.at("2026-11-24 08:44"))
    await rig.check_in("1", Shot(QIANNU, unique_id="unique-3"))
    rig.clock.set(rig.at("2026-11-24 12:00"))  # 李四 never checks in on Tuesday: −10
    rows = rig.service.monthly_attendance(2026, 11, rig.clock.now())
    assert rows == [
        AttendanceRow("1号 张三", duty_days=1, on_time=1, score=20),
        AttendanceRow("2号 李四", duty_days=2, on_time=1, missing=1, score=10),
        AttendanceRow("3号 王五", duty_days=1, late=1, late_minutes=12, leave=1, score=10),
        AttendanceRow("5号 赵六", duty_days=1, missing=1, score=10),  # Monday night only
        AttendanceRow("6号 钱七", duty_days=1, missing=1, score=10),
    ]
    assert rig.service.monthly_attendance(2026, 10, rig.clock.now()) == []  # before the start
