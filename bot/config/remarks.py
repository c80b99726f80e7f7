"""Settings of the remarks feature (the [remarks] table)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.config.base import CoreSettings
from bot.config.errors import ConfigError
from bot.config.reader import Section
from bot.domain.errors import UserError
from bot.domain.orders import OrderRules
from bot.domain.remarks import DEFAULT_COURIERS, DEFAULT_PRECEDENCE, Colour

# Order-number formats of the demo platforms: Taobao and Tmall share Alibaba's 18–19 digit
# numbers (the account the agent holds tells them apart), JD uses 11–13 digits.
DEFAULT_FORMATS = {
    "tmall": r"\d{18,19}",
    "taobao": r"\d{18,19}",
    "jd": r"\d{11,13}",
    "vip": r"\d{14,17}",
    "site": r"[A-Za-z]{2}\d{8,16}",
}
DEFAULT_MAX_BYTES = {"taobao": 1000, "tmall": 1000}


@dataclass(frozen=True)
class RemarksSettings:
    """Settings of the remarks feature."""

    rules: OrderRules = field(default_factory=OrderRules)
    default_max_bytes: int = 1000
    max_bytes: dict[str, int] = field(default_factory=dict)
    couriers: tuple[str, ...] = DEFAULT_COURIERS
    precedence: tuple[Colour, ...] = DEFAULT_PRECEDENCE
    seller_format: str = "{work_no}号客服"
    live_days: int = 14

    def limit(self, platform: str | None) -> int:
        """Return the memo limit in bytes of a platform (the default for unknown ones)."""
        return self.max_bytes.get(platform or "", self.default_max_bytes)


def parse(section: Section, core: CoreSettings) -> RemarksSettings:
    """Validate the [remarks] table."""
    section.reject_unknown(
        {
            "order_no_min",
            "order_no_max",
            "order_example",
            "order_formats",
            "default_max_bytes",
            "max_bytes",
            "couriers",
            "precedence",
            "seller_format",
            "live_days",
        }
    )
    known = {p.key for p in core.platforms}
    rules = OrderRules(
        min_length=int(section.positive("order_no_min", 6)),
        max_length=int(section.positive("order_no_max", 32)),
        example=section.get("order_example", str, "3659284710562839471"),
        formats=_formats(section, known),
    )
    if rules.min_length > rules.max_length:
        raise ConfigError(section.key("order_no_min"), "不能大于 order_no_max")
    try:
        rules.validate(rules.example)
    except UserError as err:
        raise ConfigError(section.key("order_example"), str(err)) from None
    return RemarksSettings(
        rules=rules,
        default_max_bytes=int(section.positive("default_max_bytes", 1000)),
        max_bytes=_max_bytes(section, known),
        couriers=_couriers(section),
        precedence=_precedence(section),
        seller_format=_seller_format(section),
        live_days=int(section.positive("live_days", 14)),
    )


def _formats(section: Section, known: set[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    default = {k: v for k, v in DEFAULT_FORMATS.items() if k in known}
    raw = section.get("order_formats", dict, default)
    key = section.key("order_formats")
    result = []
    for platform, pattern in raw.items():
        if platform not in known:
            raise ConfigError(f"{key}.{platform}", f"未知平台，可选：{'、'.join(sorted(known))}")
        if not isinstance(pattern, str):
            raise ConfigError(f"{key}.{platform}", "应为正则表达式字符串，如 '\\d{18,19}'")
        try:
            result.append((platform, re.compile(pattern)))
        except re.error as err:
            raise ConfigError(f"{key}.{platform}", f"正则表达式有误：{err}") from None
    return tuple(result)


def _max_bytes(section: Section, known: set[str]) -> dict[str, int]:
    default = {k: v for k, v in DEFAULT_MAX_BYTES.items() if k in known}
    raw = section.get("max_bytes", dict, default)
    key = section.key("max_bytes")
    result = {}
    for platform, value in raw.items():
        if platform not in known:
            raise ConfigError(f"{key}.{platform}", f"未知平台，可选：{'、'.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{key}.{platform}", f"应为正整数（字节数），收到 {value!r}")
        result[platform] = value
    return result


def _couriers(section: Section) -> tuple[str, ...]:
    couriers = section.get("couriers", list, list(DEFAULT_COURIERS))
    if not couriers or not all(isinstance(c, str) and c.strip() for c in couriers):
        raise ConfigError(section.key("couriers"), '应为快递名称（字符串）的列表，如 ["顺丰"]')
    return tuple(c.strip() for c in couriers)


def _precedence(section: Section) -> tuple[Colour, ...]:
    default = [c.value for c in DEFAULT_PRECEDENCE]
    raw = section.get("precedence", list, default)
    expected = {c.value for c in DEFAULT_PRECEDENCE}
    if sorted(map(str, raw)) != sorted(expected) or len(raw) != len(expected):
        raise ConfigError(
            section.key("precedence"),
            f"应为 {', '.join(default)} 四种颜色的一个排列，收到 {raw!r}",
        )
    return tuple(Colour(c) for c in raw)


def _seller_format(section: Section) -> str:
    value = section.get("seller_format", str, "{work_no}号客服")
    if "{work_no}" not in value:
        raise ConfigError(section.key("seller_format"), '应包含 {work_no}，如 "{work_no}号客服"')
    try:
        value.format(work_no="1")
    except (KeyError, IndexError, ValueError):
        raise ConfigError(section.key("seller_format"), "只能包含 {work_no} 一个占位符") from None
    return value
