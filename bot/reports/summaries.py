"""Counts for charts and the KPI's 执行力 figures, from the month's rows (pure).

/kpi, /chart and /export all count from the same rows, so they always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from bot.domain.kpi import Figure
from bot.reports.rows import Counts, DeadlineLine, DunningLine

Line = TypeVar("Line", DeadlineLine, DunningLine)


def tally(lines: Iterable[Line], key: Callable[[Line], str], now: datetime) -> tuple[Counts, ...]:
    """Return met and missed per key (owner or rule) in first-seen order; skip what is not due."""
    good: dict[str, int] = {}
    bad: dict[str, int] = {}
    for line in lines:
        met = line.met(now)
        name = key(line)
        good.setdefault(name, 0)
        bad.setdefault(name, 0)
        if met is True:
            good[name] += 1
        elif met is False:
            bad[name] += 1
    return tuple(Counts(name, good[name], bad[name]) for name in good)


def conversion(lines: Iterable[DunningLine]) -> tuple[Counts, ...]:
    """Return per owner the chased orders that were paid (good) and not (bad)."""
    paid: dict[str, int] = {}
    unpaid: dict[str, int] = {}
    for line in lines:
        if line.chased is None:
            continue
        paid.setdefault(line.owner, 0)
        unpaid.setdefault(line.owner, 0)
        if line.paid:
            paid[line.owner] += 1
        else:
            unpaid[line.owner] += 1
    return tuple(Counts(owner, paid[owner], unpaid[owner]) for owner in paid)


def figure(key: str, label: str, outcomes: Iterable[bool | None]) -> Figure:
    """Return a 执行力 figure from on-time outcomes (None: not counted yet)."""
    counted = [o for o in outcomes if o is not None]
    return Figure(key, label, sum(counted), len(counted))


def execution_figures(
    work_no: str,
    deadlines: Iterable[DeadlineLine],
    dunning: Iterable[DunningLine],
    now: datetime,
    handover: Iterable[bool | None] = (),
    daily_reports: Iterable[bool | None] = (),
) -> tuple[Figure, ...]:
    """Return one agent's 执行力 figures: deadlines, dunning, handover, daily reports.

    Dunning items count once, as 催付: a deadline line of kind ``dunning`` is left out of 时效.
    """
    own = (d for d in deadlines if d.work_no == work_no and d.kind != "dunning")
    return (
        figure("deadlines", "时效", (d.met(now) for d in own)),
        figure("dunning", "催付", (d.met(now) for d in dunning if d.work_no == work_no)),
        figure("handover", "交接", handover),
        figure("daily_report", "日报", daily_reports),
    )
