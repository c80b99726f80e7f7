"""What users type for deadlines: moments such as ``8:30``, ``昨天 21:10``, ``11-21 21:10``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.domain.errors import UserError
from bot.domain.times import parse_hhmm

TIME_HELP = "时间可写 8:30、08:30、昨天 21:10 或 11-21 21:10"

_DAY_WORDS = {"明天": -1, "今天": 0, "昨天": 1, "前天": 2}  # 明天 parses, then is refused
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})日?$")
_CLOCK = re.compile(r"^\d{1,2}[:：]\d{2}$")


def looks_like_time(tokens: list[str]) -> bool:
    """Whether the arguments start with something meant as a moment."""
    if not tokens:
        return False
    first = tokens[0]
    return bool(_CLOCK.match(first) or first in _DAY_WORDS or _MONTH_DAY.match(first))


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
    if first in _DAY_WORDS or _MONTH_DAY.match(first):
        if len(tokens) < 2:
            raise UserError(f"“{first}”后面缺少几点几分。{TIME_HELP}")
        day = _day_of(first, now)
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


def _day_of(word: str, now: datetime) -> date:
    if word in _DAY_WORDS:
        return now.date() - timedelta(days=_DAY_WORDS[word])
    match = _MONTH_DAY.match(word)
    assert match is not None
    month, day = int(match.group(1)), int(match.group(2))
    try:
        candidate = date(now.year, month, day)
        if (candidate - now.date()).days > 180:  # "12-30" typed on 2 January: last year
            candidate = date(now.year - 1, month, day)
    except ValueError:
        raise UserError(f"日期“{word}”不存在。{TIME_HELP}") from None
    return candidate
