"""Judge what a check-in screenshot shows: clock against the message, accounts against duty.

Pure: the reading comes from bot/domain/screen_reading.py, times are parameters. Also the
combined verdict on a screenshot the perceptual hash calls a copy, and the Chinese texts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from bot.domain.screen_reading import ScreenReading
from bot.domain.screen_text import Presence, ScreenClock, SeenAccount

# A date read this far from the message is taken for a misread (a blurred 11 read as 1), not
# for an old screenshot: those are days old, and older ones the perceptual hash still finds.
MAX_DATE_GAP = timedelta(days=31)


class ClockVerdict(Enum):
    """How the screenshot's clock stands against the message time."""

    OK = "ok"
    MISMATCH = "mismatch"  # 截图时间不符
    MISSING = "missing"  # no clock could be read


@dataclass(frozen=True)
class ClockCheck:
    """The screen's clock next to the message time, both local to the team."""

    verdict: ClockVerdict
    sent: datetime
    shown: datetime | None = None  # on the screen's date, or the day nearest the message
    minutes_apart: int | None = None
    dated: bool = False  # whether the screen showed a date that was used
    date_ignored: date | None = None  # a date read too far off to be believed


def check_clock(
    clock: ScreenClock | None, sent: datetime, tz: ZoneInfo, tolerance_minutes: int
) -> ClockCheck:
    """Compare the screen's clock with the message time; more than the tolerance is 不符.

    Without a date on the screen the clock counts on the day that brings it nearest the
    message, so 23:58 on the screen and 00:03 on the message are five minutes apart.
    """
    local = sent.astimezone(tz)
    if clock is None:
        return ClockCheck(ClockVerdict.MISSING, local)
    minute = local.replace(second=0, microsecond=0)
    ignored = None
    day = clock.day
    if day is not None and abs(day - local.date()) > MAX_DATE_GAP:
        ignored, day = day, None
    if day is not None:
        shown = datetime.combine(day, clock.at, tzinfo=tz)
    else:
        options = (local.date() + timedelta(days=d) for d in (-1, 0, 1))
        shown = min(
            (datetime.combine(d, clock.at, tzinfo=tz) for d in options),
            key=lambda s: abs(s - minute),
        )
    apart = int(abs(shown - minute).total_seconds() // 60)
    verdict = ClockVerdict.OK if apart <= tolerance_minutes else ClockVerdict.MISMATCH
    return ClockCheck(verdict, local, shown, apart, day is not None, ignored)


@dataclass(frozen=True)
class Assessment:
    """What the lead and the agent should know about one check-in screenshot."""

    clock: ClockCheck
    seen: tuple[SeenAccount, ...]
    expected: tuple[str, ...]  # the accounts the screenshot should show
    missing: tuple[str, ...]  # 漏挂: expected but not on the screen
    away: tuple[SeenAccount, ...]  # shown 挂起, 离开, 忙碌 or offline
    unclaimed: tuple[str, ...]  # on the screen, nobody covers them: offered to the agent
    others: tuple[str, ...]  # on the screen, another agent covers them
    covered: tuple[str, ...]  # caption named none: the accounts the screen shows covered
    named: bool  # the caption named the accounts
    text_found: bool  # the image gave any text at all

    @property
    def all_good(self) -> bool:
        """Whether nothing here concerns the lead."""
        return self.clock.verdict is ClockVerdict.OK and not self.missing and not self.away


def assess(
    reading: ScreenReading,
    sent: datetime,
    tz: ZoneInfo,
    tolerance_minutes: int,
    expected: Sequence[str],
    named: bool,
    unassigned: Collection[str],
) -> Assessment:
    """Judge a reading against the accounts the agent should show and the message time.

    ``expected`` is what the caption named, or (``named`` false) the agent's assigned
    accounts; ``unassigned`` are the shift's accounts nobody covers. When the caption named
    none, ``covered`` is what the screen shows the agent covering: the expected accounts seen
    and those nobody covered; another agent's account seen here stays theirs.
    """
    seen_names = [a.account for a in reading.accounts]
    free = set(unassigned)
    unclaimed = tuple(a for a in seen_names if a not in expected and a in free)
    others = tuple(a for a in seen_names if a not in expected and a not in free)
    covered = () if named else tuple(a for a in seen_names if a not in others)
    return Assessment(
        clock=check_clock(reading.clock, sent, tz, tolerance_minutes),
        seen=reading.accounts,
        expected=tuple(expected),
        missing=tuple(a for a in expected if a not in seen_names),
        away=tuple(a for a in reading.accounts if a.presence in (Presence.AWAY, Presence.OFFLINE)),
        unclaimed=unclaimed,
        others=others,
        covered=covered,
        named=named,
        text_found=reading.line_count > 0,
    )


class Reuse(Enum):
    """The combined verdict on a screenshot: perceptual hash and clock together."""

    NONE = "none"  # no earlier screenshot looks like it
    REUSED = "reused"  # looks the same and shows the same clock: an old screenshot sent again
    RETAKEN = "retaken"  # looks the same, the clock differs: the same screen taken anew
    SUSPECTED = "suspected"  # looks the same, a clock could not be read: the lead looks


def reuse_verdict(similar: bool, new: ScreenClock | None, old: ScreenClock | None) -> Reuse:
    """Return whether a screenshot the hash calls a copy really is one, by its clock.

    The dates count only when both screenshots show one.
    """
    if not similar:
        return Reuse.NONE
    if new is None or old is None:
        return Reuse.SUSPECTED
    same_day = new.day is None or old.day is None or new.day == old.day
    return Reuse.REUSED if new.at == old.at and same_day else Reuse.RETAKEN


REUSE_LABELS = {
    Reuse.REUSED: "重复使用的截图（画面和时间都相同）",
    Reuse.RETAKEN: "同一界面重新截图（时间不同，不算重复）",
    Reuse.SUSPECTED: "疑似重复截图（未能读出时间，请看一眼）",
}


# ---- texts ----


def fmt_clock(check: ClockCheck, moment: datetime) -> str:
    """Return ``08:44``, or ``11月24日 08:44`` when the dates differ or the screen showed one."""
    differs = check.shown is not None and check.shown.date() != check.sent.date()
    if check.dated or differs:
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%H:%M}"


def fmt_span(minutes: int) -> str:
    """Return ``8 分钟``, ``2 小时 5 分钟`` or ``1 天 0 小时 1 分钟``."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时 {mins} 分钟"
    return f"{hours} 小时 {mins} 分钟" if hours else f"{mins} 分钟"


def clock_problem(check: ClockCheck) -> str | None:
    """Return 截图时间不符（…）or 截图中未识别到电脑时间, or None when the clock is right."""
    if check.shown is None:
        return "截图中未识别到电脑时间"
    if check.verdict is ClockVerdict.MISMATCH:
        return (
            f"截图时间不符（截图 {fmt_clock(check, check.shown)}，"
            f"发送 {fmt_clock(check, check.sent)}，相差 {fmt_span(check.minutes_apart or 0)}）"
        )
    return None


def agent_text(result: Assessment, trigger: str = "/checkin") -> str:
    """Return the lines the agent gets about the reading of the screenshot.

    ``trigger`` starts the suggested command for taking over accounts nobody covers.
    """
    if not result.text_found:
        return (
            "🔎 截图中没有识别到文字：请截整个屏幕，"
            "要看得清登录的账号和右下角的时间。挂号已照常记录。"
        )
    check = result.clock
    problem = clock_problem(check)
    parts = [f"⚠️ {problem}"] if problem else []
    if check.shown is not None and problem is None:
        parts.append(f"电脑时间 {fmt_clock(check, check.shown)} 与发送时间相符")
    if result.missing:
        parts.append(f"⚠️ 漏挂：{'、'.join(result.missing)}（截图中没有找到）")
    parts.extend(f"⚠️ {a.account} 显示“{a.word}”，请改为在线" for a in result.away)
    online = [a.account for a in result.seen if a.presence is Presence.ONLINE]
    if online and not result.missing and not result.away:
        parts.append(f"{'、'.join(online)} 均在线")
    text = "🔎 截图识别：" + "；".join(parts) + "。"
    if result.unclaimed and not result.named:
        text += f"\n{'、'.join(result.unclaimed)} 原无人负责，已按截图记为您负责。"
    elif result.unclaimed:
        names = " ".join((*result.expected, *result.unclaimed))
        text += (
            f"\n截图中还有无人负责的 {'、'.join(result.unclaimed)}："
            f"如由您负责，请回复这张截图发 {trigger} {names}"
        )
    if result.others:
        text += f"\n{'、'.join(result.others)} 由其他同事负责，未记在您名下。"
    return text


def lead_note(result: Assessment) -> str | None:
    """Return the line for the lead's summary about this screenshot, or None if all is well."""
    if not result.text_found:
        return "截图中没有识别到文字"
    parts = []
    problem = clock_problem(result.clock)
    if problem:
        parts.append(problem)
    if result.missing:
        parts.append(f"漏挂 {'、'.join(result.missing)}")
    if result.away:
        parts.append("、".join(f"{a.account}显示“{a.word}”" for a in result.away))
    return "；".join(parts) or None


def unreadable_text(reason: str) -> str:
    """Return the agent's line when the screenshot could not be read at all."""
    return f"🔎 截图未能识别（{reason}），挂号已照常记录，组长会人工查看截图。"


def unreadable_note(reason: str) -> str:
    """Return the lead's note when the screenshot could not be read at all."""
    return f"截图未能识别：{reason}"
