"""How check-ins read in Chinese: the agent's confirmation, reminders, chases and lead alerts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.checkin import Checkin, Match, Recorded, fmt_day
from bot.domain.members import Member, short_name
from bot.domain.shifts import Shift, ShiftOccurrence
from bot.domain.times import fmt_hhmm


def confirmation(recorded: Recorded, tz: ZoneInfo) -> str:
    """Return what the agent reads in the team chat about the check-in just stored."""
    checkin, occurrence = recorded.checkin, recorded.occurrence
    accounts = "、".join(checkin.accounts) or "无（未分配账号，请联系组长 /assign）"
    head = "🔄 已更新挂号" if recorded.updated else "✅ 已挂号"
    text = (
        f"{head}：{recorded.member.display} · {fmt_day(occurrence.day)} {occurrence.shift.name} · "
        f"{recorded.image.at.astimezone(tz):%H:%M} · {checkin.label} · 账号：{accounts}"
    )
    if recorded.updated:
        first = checkin.at.astimezone(tz)
        text += f"（首次挂号 {first:%H:%M}，截图共 {len(checkin.images)} 张）"
    if recorded.image.problem:
        text += "\n注意：截图未能下载，已记录，但无法查重。"
    return text


def reuse_note(match: Match, shift_name: str) -> str:
    """Return whose earlier check-in a screenshot looks like (``与 11月23日（周一） 白班 …``)."""
    return f"与 {fmt_day(match.day)} {shift_name} {match.work_no}号 {match.name} 的截图{match.how}"


def _head(recorded: Recorded, tz: ZoneInfo) -> str:
    occurrence, local = recorded.occurrence, recorded.image.at.astimezone(tz)
    day = fmt_day(occurrence.day)
    return f"{recorded.member.display} {day} {occurrence.shift.name} {local:%H:%M}"


def late_alert(recorded: Recorded, tz: ZoneInfo) -> str:
    """Return the lead's alert about a late check-in that came after the summary."""
    return f"⏰ {_head(recorded, tz)} 挂号，{recorded.checkin.label}。"


def reuse_alert(recorded: Recorded, note: str, tz: ZoneInfo) -> str:
    """Return the lead's alert about a reused screenshot that came after the summary."""
    return f"🔁 疑似重复截图：{_head(recorded, tz)} 的挂号截图{note}。"


def login_reminder(
    member: Member, occurrence: ShiftOccurrence, accounts: list[str], hashtag: str
) -> str:
    """Return the reminder an agent gets at login while their check-in is still missing."""
    shift = occurrence.shift
    return (
        f"⏰ {member.name}，{shift.name}上班时间到了："
        f"请登录负责的账号（{'、'.join(accounts) or '请向组长确认'}），"
        f"{fmt_hhmm(shift.checkin_deadline)} 前把挂号截图发到团队群（图片说明写 /checkin 或 "
        f"{hashtag}）。"
    )


def missing_chase(member: Member, occurrence: ShiftOccurrence) -> str:
    """Return what an agent still missing at the check-in deadline is told."""
    shift = occurrence.shift
    return (
        f"❌ {member.name}，{fmt_day(occurrence.day)} {shift.name}挂号已过截止时间 "
        f"{fmt_hhmm(shift.checkin_deadline)}，还没有收到您的截图，请立即发到团队群。"
    )


def shift_lines(
    shift: Shift,
    records: list[Checkin],
    waiting: list[Member],
    past_deadline: bool,
    uncovered: list[str],
    tz: ZoneInfo,
) -> list[str]:
    """Return one shift's part of a date's check-ins (/checkins), who is missing last."""
    lines = [f"\n【{shift.label()}】截止 {fmt_hhmm(shift.checkin_deadline)}"]
    for c in records:
        accounts = "、".join(c.accounts) or "无账号"
        flag = " 🔁疑似重复截图" if c.duplicates else ""
        lines.append(
            f"  {c.who} {c.at.astimezone(tz):%H:%M} {c.label} · {accounts} · "
            f"截图 {len(c.images)} 张{flag}"
        )
    word = "未挂号" if past_deadline else "尚未挂号"
    lines.extend(f"  {short_name(m)} {word}" for m in waiting)
    if not records and not waiting:
        lines.append("  无人排班")
    if uncovered:
        lines.append(f"  ⚠️ 无人负责：{'、'.join(uncovered)}")
    return lines


def screen_alert(recorded: Recorded, note: str, tz: ZoneInfo) -> str:
    """Return the lead's alert about a screenshot reading that finished after the summary."""
    return f"🔎 截图识别：{_head(recorded, tz)} 的挂号截图：{note}。"


def read_reuse_note(note: str, label: str) -> str:
    """Return a reuse note with the verdict the screen's clock gave (重复使用 / 疑似重复)."""
    return f"{note}，{label}"
