"""What users type for deadlines: moments such as ``8:30``, ``昨天 21:10``, ``11-21 21:10``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.domain.dates import looks_like_day, parse_day
from bot.domain.errors import UserError
from bot.domain.times import parse_hhmm

TIME_HELP = "时间可写 8:30、08:30、昨天 21:10 或 11-21 21:10"

_CLOCK = re.compile(r"^\d{1,2}[:：]\d{2}$")
_AHEAD_IS_A_MISTAKE = timedelta(days=60)  # a date this far ahead was meant as typed


def looks_like_time(tokens: list[str]) -> bool:
    """Whether the arguments start with something meant as a moment."""
    if not tokens:
        return False
    first = tokens[0]
    return bool(_CLOCK.match(first)) or looks_like_day(first)


def parse_moment(tokens: list[str], now: datetime) -> tuple[datetime, int]:
    """Read a past moment from the first tokens; return it and how many tokens it used.

    ``now`` is aware and local: a bare clock time means today. A moment in the future or
    one that does not parse raises UserError with the accepted forms.
    """
    if not tokens:
        raise UserError(f"缺少时间。{TIME_HELP}")
    first = tokens[0]
    day: date = now.date()
    used = 1
    if looks_like_day(first):
        if len(tokens) < 2:
            raise UserError(f"“{first}”后面缺少几点几分。{TIME_HELP}")
        try:
            day = _past_day(first, now.date())
        except UserError as err:
            raise UserError(f"{err}{TIME_HELP}") from None
        clock_text = tokens[1]
        used = 2
    else:
        clock_text = first
    try:
        clock = parse_hhmm(clock_text)
    except ValueError:
        raise UserError(f"看不懂时间“{' '.join(tokens[:used])}”。{TIME_HELP}") from None
    moment = datetime.combine(day, clock, tzinfo=now.tzinfo)
    if moment > now:
        raise UserError(
            f"时间 {moment:%m-%d %H:%M} 还没到（现在 {now:%m-%d %H:%M}），请填写已经发生的时间。"
            f"{TIME_HELP}"
        )
    return moment, used


def _past_day(text: str, today: date) -> date:
    """Read the day of a past moment.

    A date a little ahead (明天, or 11-24 typed on 11-23) stays ahead so it is refused as
    not yet past, instead of silently meaning last year; anything else is the latest such
    date not after today (05-01 typed on 11-23 is this May, 12-30 typed on 01-02 last year).
    """
    nearest = parse_day(text, today)
    if today < nearest <= today + _AHEAD_IS_A_MISTAKE:
        return nearest
    return parse_day(text, today, past=True)
