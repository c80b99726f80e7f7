"""The [discounts] and [kpi] settings: seed defaults and one clear line per mistake."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bot.config import ConfigError, parse_settings
from tests.harness import example_raw


def settings_with(table: str, **changes: Any) -> Any:
    raw = example_raw()
    raw.setdefault(table, {}).update(changes)
    return getattr(parse_settings(raw), table)


def test_missing_tables_take_the_seed_defaults() -> None:
    raw = example_raw()
    del raw["discounts"], raw["kpi"]
    settings = parse_settings(raw)
    rules = settings.discounts.rules
    assert rules.gifts == ("床笠", "记忆枕", "50元返现") and rules.per_item == 50
    assert (rules.monthly_count, rules.monthly_amount, rules.bonus) == (5, 500, 2)
    kpi = settings.kpi.rules
    assert kpi.total == 130 and kpi.pass_mark == 91 and kpi.bonus_pool == 1000
    assert kpi.refund_tiers == ((Decimal(5), 30),)
    assert kpi.fines == (50, 100, 200)
    assert dict(kpi.base_pay) == {"普通客服": 2000, "高级客服": 2500, "组长": 3000}
    assert [(k.key, k.low, k.high) for k in kpi.adjustments] == [
        ("low_review", -5, -5),
        ("complaint", -20, -5),
        ("praise", 2, 2),
        ("outstanding", 2, 5),
    ]


def test_the_example_file_says_the_same_as_the_defaults() -> None:
    raw = example_raw()
    from_file = parse_settings(raw)
    del raw["discounts"], raw["kpi"]
    defaults = parse_settings(raw)
    assert from_file.discounts == defaults.discounts
    assert from_file.kpi == defaults.kpi


def test_attendance_points_come_from_the_checkin_settings() -> None:
    raw = example_raw()
    raw["checkin"]["kpi"] = {"points": 30, "late_penalty": 3}
    rules = parse_settings(raw).kpi.rules
    assert (rules.attendance_points, rules.late_cost, rules.total) == (30, 3, 140)


def test_a_team_can_set_its_own_refund_steps_grades_and_pay_grades() -> None:
    kpi = settings_with(
        "kpi",
        refund_tiers=[[5, 30], [8.5, 20], [10, 10]],
        grades=[["A", 25], ["B", 20], ["C", 10], ["D", 0]],
        execution={"steps": [[90, "A"], [80, "B"]], "weights": {"handover": 0}},
        pay_grades={"2号": "高级客服"},
        pass_ratio=0.6,
    )
    rules = kpi.rules
    assert rules.refund_tiers[1] == (Decimal("8.5"), 20)
    assert rules.total == 4 * 25 + 30 + 20 and rules.pass_mark == Decimal("90.0")
    assert rules.execution_weights["handover"] == 0 and rules.pay_grade("2") == "高级客服"


@pytest.mark.parametrize(
    ("table", "changes", "key", "message"),
    [
        ("discounts", {"gifts": []}, "discounts.gifts", "至少一个"),
        ("discounts", {"gifts": ["床笠", "床笠"]}, "discounts.gifts", "不能重复"),
        ("discounts", {"per_item": 0}, "discounts.per_item", "应大于 0"),
        ("discounts", {"monthly_count": -1}, "discounts.monthly_count", "不能小于 0"),
        ("discounts", {"monthly_amount": "500"}, "discounts.monthly_amount", "类型应为"),
        ("discounts", {"bonus": 1.5}, "discounts.bonus", "整数"),
        ("discounts", {"month_change_at": "24:00"}, "discounts.month_change_at", "HH:MM"),
        ("discounts", {"quota": 5}, "discounts.quota", "未知配置项"),
        ("kpi", {"grades": [["优", 20]]}, "kpi.grades", "至少需要两个"),
        ("kpi", {"grades": [["优", 10], ["良", 15]]}, "kpi.grades", "从高分到低分"),
        ("kpi", {"grades": [["优", 20], ["优", 10]]}, "kpi.grades", "不能重复"),
        ("kpi", {"grades": [["优", -1], ["差", -2]]}, "kpi.grades", "不小于 0"),
        ("kpi", {"refund_tiers": []}, "kpi.refund_tiers", "至少需要一档"),
        ("kpi", {"refund_tiers": [[5, 40]]}, "kpi.refund_tiers", "分数 0–30"),
        ("kpi", {"refund_tiers": [[10, 20], [5, 30]]}, "kpi.refund_tiers", "递增"),
        ("kpi", {"refund_tiers": [[5, 10], [10, 20]]}, "kpi.refund_tiers", "分数不增"),
        ("kpi", {"refund_tiers": [[120, 30]]}, "kpi.refund_tiers", "0–100"),
        ("kpi", {"pass_ratio": 70}, "kpi.pass_ratio", "0–1"),
        ("kpi", {"pass_ratio": 0}, "kpi.pass_ratio", "0–1"),
        ("kpi", {"bonus_pool": -1}, "kpi.bonus_pool", "应大于等于 0"),
        ("kpi", {"fines": [50, -100]}, "kpi.fines", "不小于 0"),
        ("kpi", {"entry_grace_days": 11}, "kpi.entry_grace_days", "0–10"),
        ("kpi", {"trend_months": 1}, "kpi.trend_months", "2–24"),
        ("kpi", {"finalize_at": "0:3"}, "kpi.finalize_at", "HH:MM"),
        ("kpi", {"execution": {"steps": [[95, "A"]]}}, "kpi.execution.steps", "等级为"),
        (
            "kpi",
            {"execution": {"steps": [[70, "中"], [85, "良"]]}},
            "kpi.execution.steps",
            "从高到低",
        ),
        (
            "kpi",
            {"execution": {"weights": {"dunning": -1}}},
            "kpi.execution.weights.dunning",
            "不能小于 0",
        ),
        (
            "kpi",
            {"execution": {"weights": {"email": 1}}},
            "kpi.execution.weights.email",
            "未知配置项",
        ),
        ("kpi", {"adjustments": {"complaint": [5, 20]}}, "kpi.adjustments.complaint", "负数"),
        ("kpi", {"adjustments": {"praise": -2}}, "kpi.adjustments.praise", "正数"),
        ("kpi", {"adjustments": {"praise": [1, 2, 3]}}, "kpi.adjustments.praise", "[最少, 最多]"),
        ("kpi", {"adjustments": {"lateness": -5}}, "kpi.adjustments.lateness", "未知配置项"),
        ("kpi", {"base_pay": {"普通客服": -1}}, "kpi.base_pay.普通客服", "不能小于 0"),
        ("kpi", {"pay_grades": {"x": "高级客服"}}, "kpi.pay_grades.x", "工号"),
        ("kpi", {"pay_grades": {"2": "经理"}}, "kpi.pay_grades.2", "未知岗位"),
        ("kpi", {"bonus": 1000}, "kpi.bonus", "未知配置项"),
    ],
)
def test_a_bad_value_names_its_key(
    table: str, changes: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(table, **changes)
    assert f"[{key}]" in str(err.value) and message in str(err.value)
