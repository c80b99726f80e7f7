"""Texts of the lead's check-in summary and the monthly attendance table (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.checkin import Checkin, Status, fmt_day
from bot.domain.members import Member, short_name


@dataclass
class ShiftReport:
    """What the lead needs to know about one shift occurrence at its check-in deadline."""

    day: date
    shift_name: str
    deadline: str  # HH:MM
    on_time: list[str] = field(default_factory=list)  # "1号 张三 08:44"
    late: list[str] = field(default_factory=list)  # "2号 李四 08:58（迟到 8 分钟）"
    off_roster: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "3号 王五（负责：唯品会专卖）"
    absent: list[str] = field(default_factory=list)  # "1号 张三（请假）"
    uncovered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # "2号 李四：与 11月24日 1号 张三 …"
    not_downloaded: list[str] = field(default_factory=list)
    screen: list[str] = field(default_factory=list)  # "2号 李四：漏挂 淘宝C店2" (read by OCR)

    def add_checkin(self, checkin: Checkin, at: datetime) -> None:
        """File a check-in (``at``: its local time) under its status and any problems."""
        who = checkin.who
        if checkin.status is Status.ON_TIME:
            self.on_time.append(f"{who} {at:%H:%M}")
        elif checkin.status is Status.LATE:
            self.late.append(f"{who} {at:%H:%M}（{checkin.label}）")
        else:
            self.off_roster.append(f"{who} {at:%H:%M}")
        self.reused.extend(f"{who}：{note}" for note in checkin.duplicates)
        self.screen.extend(f"{who}：{note}" for note in checkin.notes)
        images = checkin.images
        if any(i.problem for i in images) and not any(i.phash for i in images):
            self.not_downloaded.append(who)

    def add_missing(self, member: Member, accounts: list[str]) -> None:
        """List an agent on duty who has not checked in, with the accounts they cover."""
        owns = f"（负责：{'、'.join(accounts)}）" if accounts else ""
        self.missing.append(f"{short_name(member)}{owns}")

    def add_absent(self, member: Member, reason: str) -> None:
        """List an agent of this shift who is off today and why (请假/休息/轮休)."""
        self.absent.append(f"{short_name(member)}（{reason}）")

    @property
    def all_good(self) -> bool:
        """Whether everyone is on time and every account covered."""
        return not (
            self.late
            or self.off_roster
            or self.missing
            or self.uncovered
            or self.reused
            or self.not_downloaded
            or self.screen
        )


def summary_text(report: ShiftReport, late_delivery: bool = False) -> str:
    """Return the lead's summary: one line when all is well, else one line per problem."""
    head = f"{fmt_day(report.day)} {report.shift_name}挂号（截止 {report.deadline}）"
    note = "\n（机器人离线期间未能按时发出，现补发）" if late_delivery else ""
    if report.all_good:
        count = len(report.on_time)
        who = f"{count} 人全部准时" if count else "无人排班"
        rest = f"；{'、'.join(report.absent)}" if report.absent else ""
        return f"✅ {head}：{who}，所有账号都有人负责{rest}。{note}"
    lines = [f"📋 {head}"]
    sections = (
        ("✅ 准时", report.on_time),
        ("⏰ 迟到", report.late),
        ("❌ 未挂号", report.missing),
        ("❔ 非排班挂号", report.off_roster),
        ("🛌 休息/请假", report.absent),
        ("⚠️ 无人负责的账号", report.uncovered),
        ("🔁 疑似重复截图", report.reused),
        ("📎 截图未能下载（无法查重）", report.not_downloaded),
        ("🔎 截图识别", report.screen),
    )
    for title, items in sections:
        if items:
            lines.append(f"{title}（{len(items)}）：{'、'.join(items)}")
    return "\n".join(lines) + note


@dataclass
class AttendanceRow:
    """One agent's month."""

    label: str
    duty_days: int = 0
    on_time: int = 0
    late: int = 0
    late_minutes: int = 0
    missing: int = 0
    leave: int = 0
    off_roster: int = 0
    score: int = 0


def attendance_text(title: str, rows: list[AttendanceRow], points: int) -> str:
    """Return the monthly attendance table, one agent a line."""
    if not rows:
        return f"{title}\n本月没有需要挂号的客服。"
    lines = [title]
    for row in rows:
        extra = f"，非排班挂号 {row.off_roster} 次" if row.off_roster else ""
        lines.append(
            f"{row.label}：值班 {row.duty_days} 天，准时 {row.on_time}，"
            f"迟到 {row.late} 次（共 {row.late_minutes} 分钟），缺勤 {row.missing}，"
            f"请假 {row.leave}{extra} · 考勤分 {row.score}/{points}"
        )
    return "\n".join(lines)
