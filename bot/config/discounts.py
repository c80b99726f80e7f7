"""Settings of the discounts feature (the [discounts] table): seed 004's 优惠权限."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from bot.config.errors import ConfigError
from bot.config.reader import Section
from bot.domain.discounts import DiscountRules


@dataclass(frozen=True)
class DiscountSettings:
    """Settings of the discounts feature."""

    rules: DiscountRules = field(default_factory=DiscountRules)
    month_change_at: time = time(0, 10)  # local time on the 1st: new quotas are announced


def parse(section: Section) -> DiscountSettings:
    """Validate the [discounts] table."""
    section.reject_unknown(
        {"gifts", "per_item", "monthly_count", "monthly_amount", "bonus", "month_change_at"}
    )
    defaults = DiscountRules()
    gifts = section.get("gifts", list, list(defaults.gifts))
    if not gifts or not all(isinstance(g, str) and g.strip() for g in gifts):
        raise ConfigError(section.key("gifts"), "应为至少一个赠品名称（字符串）的列表")
    if len(set(gifts)) != len(gifts):
        raise ConfigError(section.key("gifts"), "赠品名称不能重复")
    return DiscountSettings(
        rules=DiscountRules(
            gifts=tuple(g.strip() for g in gifts),
            per_item=_amount(section, "per_item", defaults.per_item),
            monthly_count=count(section, "monthly_count", defaults.monthly_count),
            monthly_amount=_amount(section, "monthly_amount", defaults.monthly_amount),
            bonus=count(section, "bonus", defaults.bonus),
        ),
        month_change_at=section.time("month_change_at", "00:10"),
    )


def _amount(section: Section, name: str, default: Decimal) -> Decimal:
    value = section.positive(name, int(default))
    return Decimal(str(value))


def count(section: Section, name: str, default: int) -> int:
    """Return a whole number not below 0."""
    value = section.get(name, int, default)
    if value < 0:
        raise ConfigError(section.key(name), f"不能小于 0，收到 {value}")
    return value
