"""Settings of the KPI sheet (the [kpi] table): seed 001's 客服考核 and pay.

The attendance part reads [checkin.kpi] (points and what each late, leave or absence costs),
so those numbers live in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from itertools import pairwise
from typing import Any

from bot.config.checkin import CheckinSettings
from bot.config.discounts import count
from bot.config.errors import ConfigError
from bot.config.reader import Section
from bot.domain.kpi import DEFAULT_ADJUSTMENTS, AdjustmentKind, KpiRules
from bot.domain.members import parse_work_no

EXECUTION_KINDS = ("deadlines", "dunning", "handover", "daily_report")


@dataclass(frozen=True)
class KpiSettings:
    """Settings of the KPI sheet."""

    rules: KpiRules = field(default_factory=KpiRules)
    entry_grace_days: int = 0  # days after a month during which the lead may still enter
    finalize_at: time = time(0, 30)  # local time the sheet becomes final and is archived
    trend_months: int = 6  # months in the trend chart


def parse(section: Section, checkin: CheckinSettings) -> KpiSettings:
    """Validate the [kpi] table; the attendance part comes from the check-in settings."""
    section.reject_unknown(
        {
            "grades",
            "refund_points",
            "refund_tiers",
            "pass_ratio",
            "bonus_pool",
            "fines",
            "entry_grace_days",
            "finalize_at",
            "trend_months",
            "execution",
            "adjustments",
            "base_pay",
            "pay_grades",
        }
    )
    defaults = KpiRules()
    grades = _grades(section, defaults)
    refund_points = int(section.positive("refund_points", defaults.refund_points))
    base_pay = _base_pay(section.table("base_pay"), defaults)
    rules = KpiRules(
        grades=grades,
        refund_points=refund_points,
        refund_tiers=_refund_tiers(section, refund_points, defaults),
        attendance_points=checkin.kpi_points,
        late_cost=checkin.late_penalty,
        leave_cost=checkin.leave_penalty,
        absence_cost=checkin.absence_penalty,
        execution_steps=_execution_steps(section.table("execution"), grades, defaults),
        execution_weights=_execution_weights(section.table("execution")),
        adjustments=_adjustments(section.table("adjustments")),
        fines=_fines(section, defaults),
        pass_ratio=_ratio(section),
        bonus_pool=_decimal(section, "bonus_pool", defaults.bonus_pool, allow_zero=True),
        base_pay=base_pay,
        pay_grades=_pay_grades(section.table("pay_grades"), base_pay),
    )
    grace = count(section, "entry_grace_days", 0)
    if grace > 10:
        raise ConfigError(section.key("entry_grace_days"), f"应在 0–10 天之间，收到 {grace}")
    months = count(section, "trend_months", 6)
    if not 2 <= months <= 24:
        raise ConfigError(section.key("trend_months"), f"应在 2–24 个月之间，收到 {months}")
    return KpiSettings(
        rules=rules,
        entry_grace_days=grace,
        finalize_at=section.time("finalize_at", "00:30"),
        trend_months=months,
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decimal(section: Section, name: str, default: Decimal, allow_zero: bool = False) -> Decimal:
    value = section.get(name, (int, float), int(default))
    if value < 0 or (value == 0 and not allow_zero):
        floor = "应大于等于" if allow_zero else "应大于"
        raise ConfigError(section.key(name), f"{floor} 0，收到 {value}")
    return Decimal(str(value))


def _ratio(section: Section) -> Decimal:
    value = section.get("pass_ratio", (int, float), 0.7)
    if not 0 < value <= 1:
        raise ConfigError(section.key("pass_ratio"), f"应在 0–1 之间（如 0.7），收到 {value}")
    return Decimal(str(value))


def _grades(section: Section, defaults: KpiRules) -> tuple[tuple[str, int], ...]:
    key = section.key("grades")
    raw = section.get("grades", list, [list(g) for g in defaults.grades])
    grades: list[tuple[str, int]] = []
    for item in raw:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and item[0].strip()
            and isinstance(item[1], int)
            and not isinstance(item[1], bool)
            and item[1] >= 0
        ):
            raise ConfigError(key, f'每项应为 ["等级", 分数]（分数不小于 0），收到 {item!r}')
        grades.append((item[0].strip(), item[1]))
    if len(grades) < 2:
        raise ConfigError(key, "至少需要两个等级")
    if len({g for g, _ in grades}) != len(grades):
        raise ConfigError(key, "等级名称不能重复")
    if any(a[1] <= b[1] for a, b in pairwise(grades)):
        raise ConfigError(key, "等级应从高分到低分排列，分数逐级递减")
    return tuple(grades)


def _percent_pairs(
    section: Section, name: str, default: list[list[Any]], valid: Callable[[Any], bool], shape: str
) -> list[tuple[Decimal, Any]]:
    """Read a list of [percent 0–100, value] pairs; a bad item names the ``shape`` wanted."""
    pairs: list[tuple[Decimal, Any]] = []
    for item in section.get(name, list, default):
        if not (
            isinstance(item, list)
            and len(item) == 2
            and _number(item[0])
            and 0 <= item[0] <= 100
            and valid(item[1])
        ):
            raise ConfigError(section.key(name), f"每项应为 {shape}，收到 {item!r}")
        pairs.append((Decimal(str(item[0])), item[1]))
    return pairs


def _refund_tiers(
    section: Section, full: int, defaults: KpiRules
) -> tuple[tuple[Decimal, int], ...]:
    tiers = _percent_pairs(
        section,
        "refund_tiers",
        [[int(c), p] for c, p in defaults.refund_tiers],
        lambda p: isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= full,
        f"[退款率上限%, 分数]，上限 0–100、分数 0–{full}",
    )
    key = section.key("refund_tiers")
    if not tiers:
        raise ConfigError(key, "至少需要一档")
    pairs = list(pairwise(tiers))
    if any(a[0] >= b[0] for a, b in pairs) or any(a[1] < b[1] for a, b in pairs):
        raise ConfigError(key, "各档上限应递增、分数不增")
    return tuple(tiers)


def _execution_steps(
    section: Section, grades: tuple[tuple[str, int], ...], defaults: KpiRules
) -> tuple[tuple[Decimal, str], ...]:
    section.reject_unknown({"steps", "weights"})
    names = {g for g, _ in grades}
    steps = _percent_pairs(
        section,
        "steps",
        [[int(p), g] for p, g in defaults.execution_steps],
        lambda g: g in names,
        f"[按时率%, 等级]，等级为 {'/'.join(names)} 之一",
    )
    if any(a[0] <= b[0] for a, b in pairwise(steps)):
        raise ConfigError(section.key("steps"), "按时率应从高到低排列")
    return tuple(steps)


def _execution_weights(section: Section) -> dict[str, Decimal]:
    weights = section.table("weights")
    weights.reject_unknown(set(EXECUTION_KINDS))
    result = {}
    for kind in EXECUTION_KINDS:
        value = weights.get(kind, (int, float), 1)
        if value < 0:
            raise ConfigError(weights.key(kind), f"不能小于 0，收到 {value}")
        result[kind] = Decimal(str(value))
    return result


def _adjustments(section: Section) -> tuple[AdjustmentKind, ...]:
    section.reject_unknown({k.key for k in DEFAULT_ADJUSTMENTS})
    kinds = []
    for kind in DEFAULT_ADJUSTMENTS:
        default = kind.low if kind.low == kind.high else [kind.low, kind.high]
        value = section.get(kind.key, (int, list), default)
        low, high = (value, value) if isinstance(value, int) else _span(section, kind.key, value)
        deduction = kind.high < 0
        if low == 0 or high == 0 or (low < 0) != deduction or (high < 0) != deduction:
            sign = "负数（扣分）" if deduction else "正数（加分）"
            raise ConfigError(section.key(kind.key), f"{kind.label}应为{sign}，收到 {value!r}")
        kinds.append(AdjustmentKind(kind.key, kind.label, min(low, high), max(low, high)))
    return tuple(kinds)


def _span(section: Section, name: str, value: list[Any]) -> tuple[int, int]:
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError(section.key(name), f"应为一个整数或 [最少, 最多]，收到 {value!r}")
    return value[0], value[1]


def _fines(section: Section, defaults: KpiRules) -> tuple[Decimal, ...]:
    raw = section.get("fines", list, [int(f) for f in defaults.fines])
    if not all(_number(f) and f >= 0 for f in raw):
        raise ConfigError(section.key("fines"), f"应为不小于 0 的金额列表，收到 {raw!r}")
    return tuple(Decimal(str(f)) for f in raw)


def _base_pay(section: Section, defaults: KpiRules) -> tuple[tuple[str, Decimal], ...]:
    if not section.data:
        return defaults.base_pay
    pay = []
    for grade in section.data:
        value = section.get(grade, (int, float))
        if value < 0:
            raise ConfigError(section.key(grade), f"不能小于 0，收到 {value}")
        pay.append((grade, Decimal(str(value))))
    return tuple(pay)


def _pay_grades(section: Section, base_pay: tuple[tuple[str, Decimal], ...]) -> dict[str, str]:
    known = [g for g, _ in base_pay]
    result = {}
    for raw_no in section.data:
        try:
            work_no = parse_work_no(raw_no)
        except ValueError as err:
            raise ConfigError(section.key(raw_no), str(err)) from None
        grade = section.get(raw_no, str)
        if grade not in known:
            raise ConfigError(section.key(raw_no), f"未知岗位 {grade!r}，可选：{'、'.join(known)}")
        result[work_no] = grade
    return result
