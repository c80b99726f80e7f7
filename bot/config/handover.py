"""Settings of the handover feature (the [handover] table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from bot.config.base import CoreSettings
from bot.config.errors import ConfigError
from bot.config.reader import Section

DEFAULT_URGENT_MARKS = ("!急", "！急", "#急", "【急】", "[急]", "（急）", "(急)", "加急")


@dataclass(frozen=True)
class HandoverSettings:
    """Settings of the handover feature."""

    remind_before: timedelta = timedelta(minutes=30)
    ack_alert_after: timedelta = timedelta(minutes=15)
    urgent_after: timedelta = timedelta(minutes=60)
    urgent_marks: tuple[str, ...] = DEFAULT_URGENT_MARKS
    max_items: int = 20
    max_length: int = 300


def parse(section: Section, core: CoreSettings) -> HandoverSettings:
    """Validate the [handover] table."""
    section.reject_unknown(
        {
            "remind_before_minutes",
            "ack_alert_after_minutes",
            "urgent_after_minutes",
            "urgent_marks",
            "max_items",
            "max_length",
        }
    )
    marks = section.get("urgent_marks", list, list(DEFAULT_URGENT_MARKS))
    if not marks or not all(isinstance(m, str) and m.strip() for m in marks):
        raise ConfigError(section.key("urgent_marks"), '应为非空字符串的列表，如 ["!急"]')
    remind = section.positive("remind_before_minutes", 30)
    shortest = min(_shift_minutes(s.login, s.end) for s in core.shifts)
    if remind >= shortest:
        raise ConfigError(
            section.key("remind_before_minutes"),
            f"应短于最短的班次（{shortest} 分钟），收到 {remind}",
        )
    return HandoverSettings(
        remind_before=timedelta(minutes=remind),
        ack_alert_after=timedelta(minutes=section.positive("ack_alert_after_minutes", 15)),
        urgent_after=timedelta(minutes=section.positive("urgent_after_minutes", 60)),
        urgent_marks=tuple(m.strip() for m in marks),
        max_items=int(section.positive("max_items", 20)),
        max_length=int(section.positive("max_length", 300)),
    )


def _shift_minutes(login: time, end: time) -> int:
    """Return the length of a shift in minutes (midnight-aware)."""
    start = login.hour * 60 + login.minute
    stop = end.hour * 60 + end.minute
    return (stop - start) % (24 * 60) or 24 * 60
