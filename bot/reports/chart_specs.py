"""What each chart shows, as small frozen dataclasses (no plotting library needed here).

The service layer builds these in the bot's process; ``bot.reports.charts.render`` draws
them in the worker process, so the bot itself never loads matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.checkin_report import AttendanceRow
from bot.domain.errors import UserError
from bot.reports.rows import Counts

# /chart words → chart kinds
CHART_WORDS = {
    "出勤": "attendance",
    "考勤": "attendance",
    "时效": "deadlines",
    "催付": "dunning",
    "kpi": "kpi",
    "考核": "kpi",
    "趋势": "trend",
}


def chart_kind(word: str) -> str:
    """Return the chart kind a /chart word names; raise UserError listing the choices."""
    kind = CHART_WORDS.get(word.strip().lower())
    if kind is None:
        raise UserError(f"未知图表「{word.strip()}」，可选：出勤、时效、催付、kpi、趋势。")
    return kind


@dataclass(frozen=True)
class AttendanceChart:
    """The month's check-ins per agent: on time, late, missed, on leave."""

    title: str
    rows: tuple[AttendanceRow, ...]


@dataclass(frozen=True)
class DeadlinesChart:
    """Deadlines met and missed, per agent and per rule."""

    title: str
    per_agent: tuple[Counts, ...]
    per_rule: tuple[Counts, ...]


@dataclass(frozen=True)
class DunningChart:
    """Dunning conversion per agent: chased orders that were paid and not (good = paid)."""

    title: str
    rows: tuple[Counts, ...]


@dataclass(frozen=True)
class KpiChart:
    """The KPI totals against the pass mark."""

    title: str
    scores: tuple[tuple[str, int], ...]
    total: int
    pass_mark: float


@dataclass(frozen=True)
class TrendChart:
    """Scores over the last months: one line per series (None where a month has no value)."""

    title: str
    months: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    total: int
    pass_mark: float


Chart = AttendanceChart | DeadlinesChart | DunningChart | KpiChart | TrendChart
