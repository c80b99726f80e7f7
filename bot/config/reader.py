"""Typed access to one table of the settings file, naming the key in every error."""

from __future__ import annotations

from datetime import time
from typing import Any

from bot.config.errors import ConfigError
from bot.domain.members import WEEKDAY_NAMES
from bot.domain.times import parse_hhmm

_MISSING = object()


class Section:
    """A TOML table with a dotted path, for reading values with clear errors."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, "应为一个表（[section]）")
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        """Return the dotted path of ``name`` in this table."""
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        """Return ``name`` checked to be of ``kind``; a missing key takes ``default``."""
        if name not in self.data:
            if default is _MISSING:
                raise ConfigError(self.key(name), "缺少此项")
            return default
        value = self.data[name]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise ConfigError(self.key(name), f"类型应为 {_kind_name(kind)}，收到 {value!r}")
        return value

    def time(self, name: str, default: str | None = None) -> time:
        """Return ``name`` parsed as an HH:MM clock time."""
        raw = self.get(name, str, default) if default is not None else self.get(name, str)
        try:
            return parse_hhmm(raw)
        except ValueError as err:
            raise ConfigError(self.key(name), str(err)) from None

    def positive(self, name: str, default: int | float) -> int | float:
        """Return a number above zero."""
        value = self.get(name, (int, float), default)
        if value <= 0:
            raise ConfigError(self.key(name), f"应大于 0，收到 {value}")
        return value

    def weekdays(self, name: str) -> tuple[int, ...]:
        """Return a list of weekdays (1–7 or 周一…周日) as sorted unique numbers, Monday 1."""
        days = []
        for value in self.get(name, list, []):
            if isinstance(value, int) and 1 <= value <= 7:
                days.append(value)
            elif isinstance(value, str) and value in WEEKDAY_NAMES:
                days.append(WEEKDAY_NAMES.index(value) + 1)
            else:
                raise ConfigError(self.key(name), f"应为 1–7 或 周一…周日，收到 {value!r}")
        return tuple(sorted(set(days)))

    def table(self, name: str) -> Section:
        """Return a sub-table (empty when absent)."""
        return Section(self.get(name, dict, {}), self.key(name))

    def tables(self, name: str) -> list[Section]:
        """Return an array of tables (``[[name]]``)."""
        items = self.get(name, list, [])
        return [Section(item, f"{self.key(name)}[{i}]") for i, item in enumerate(items)]

    def reject_unknown(self, known: set[str]) -> None:
        """Stop on a key this table does not know (usually a typo)."""
        for name in self.data:
            if name not in known:
                raise ConfigError(self.key(name), f"未知配置项；可用：{'、'.join(sorted(known))}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "字符串",
        int: "整数",
        float: "数字",
        bool: "true/false",
        list: "列表",
        dict: "表",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return "或".join(names.get(k, k.__name__) for k in kinds)
