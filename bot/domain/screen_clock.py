"""Find the computer's clock in a screenshot's OCR lines: the taskbar time and its date."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from bot.domain.screen_text import ScreenClock, TextLine

_DATE_YMD = re.compile(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_MD = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_TIME = re.compile(
    r"(上午|下午|早上|中午|晚上|凌晨|\bam|\bpm)?\s*(?<!\d)([01]?\d|2[0-3])\s*:\s*([0-5]\d)"
    r"(?::[0-5]\d)?(?!\d)\s*(am|pm)?",
    re.IGNORECASE,
)
_AFTERNOON = ("下午", "晚上", "pm")


@dataclass(frozen=True)
class _Found:
    """What one line shows of the clock: a date, a time of day, or both."""

    line: TextLine
    day: date | None
    at: time | None


def parse_date(text: str, today: date) -> tuple[date | None, str]:
    """Return the first date in ``text`` and the text without it.

    A date shown without a year takes the year that puts it nearest ``today``.
    """
    plain = unicodedata.normalize("NFKC", text)
    for pattern in (_DATE_YMD, _DATE_MD):
        for match in pattern.finditer(plain):
            parts = [int(g) for g in match.groups()]
            day = _nearest_year(parts[0], parts[1], today) if len(parts) == 2 else _date(*parts)
            if day is not None:
                rest = plain[: match.start()] + " " + plain[match.end() :]
                return day, rest
    return None, plain


def parse_time(text: str) -> time | None:
    """Return the first clock time in ``text`` (下午 4:33 is 16:33), or None."""
    match = _TIME.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    before, hour, minute, after = match.groups()
    hour_value = int(hour)
    half = (before or after or "").lower()
    if half in _AFTERNOON and hour_value < 12:
        hour_value += 12
    elif half in ("上午", "凌晨", "am") and hour_value == 12:
        hour_value = 0
    return time(hour_value, int(minute))


def find_clock(lines: Sequence[TextLine], today: date) -> ScreenClock | None:
    """Return the computer's clock: the lowest time on the screen, with the date beside it.

    The taskbar sits below every window, so its clock is the lowest time shown; the times of
    chat messages above it are not the computer's clock.
    """
    found: list[_Found] = []
    for line in lines:
        day, rest = parse_date(line.text, today)
        found.append(_Found(line, day, parse_time(rest)))
    times = [f for f in found if f.at is not None]
    if not times:
        return None
    lowest = max(f.line.middle for f in times)
    row = [f for f in times if lowest - f.line.middle <= f.line.height / 2]
    clock = max(row, key=lambda f: (f.day is not None, f.line.box[2]))
    return ScreenClock(clock.at, clock.day or _date_beside(clock.line, found))


def _date_beside(line: TextLine, found: Sequence[_Found]) -> date | None:
    """Return the date shown just below or above a clock (the taskbar's second line)."""
    best: tuple[float, date] | None = None
    for dated in (f for f in found if f.day is not None):
        other = dated.line
        gap = max(other.box[1] - line.box[3], line.box[1] - other.box[3], 0.0)
        overlaps = other.box[0] <= line.box[2] and line.box[0] <= other.box[2]
        if overlaps and gap <= 1.5 * line.height:
            distance = abs(other.middle - line.middle)
            if best is None or distance < best[0]:
                best = (distance, dated.day)
    return best[1] if best else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, today: date) -> date | None:
    options = [
        d for y in (today.year - 1, today.year, today.year + 1) if (d := _date(y, month, day))
    ]
    return min(options, key=lambda d: abs((d - today).days), default=None)
