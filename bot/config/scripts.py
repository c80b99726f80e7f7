"""Settings of the scripts feature (the [scripts] table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path

from bot.config.base import CoreSettings
from bot.config.errors import ConfigError
from bot.config.reader import Section

# A relative folder is read from the project root, so the bot finds it from any working dir.
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class ScriptsSettings:
    """Shop-wide values for reply scripts, greeting boundaries and the templates folder."""

    folder: Path = PROJECT_ROOT / "scripts_templates"
    courier: str = "申通"
    vip_discount: str = "9.8折"
    promotion: str = ""  # the shop's current promotion (e.g. 双十一); empty: none running
    ship_days: tuple[int, int] = (1, 3)
    arrive_days: tuple[int, int] = (3, 7)
    morning_from: time = time(5, 0)
    noon_from: time = time(11, 0)
    afternoon_from: time = time(13, 0)
    evening_from: time = time(18, 0)
    ask_minutes: int = 10
    inline_results: int = 20


KNOWN = {
    "folder",
    "courier",
    "vip_discount",
    "promotion",
    "ship_days",
    "arrive_days",
    "morning_from",
    "noon_from",
    "afternoon_from",
    "evening_from",
    "ask_minutes",
    "inline_results",
}


def parse(section: Section, core: CoreSettings) -> ScriptsSettings:
    """Validate the [scripts] table."""
    section.reject_unknown(KNOWN)
    folder = Path(section.get("folder", str, "scripts_templates"))
    if not folder.is_absolute():
        folder = PROJECT_ROOT / folder
    if not folder.is_dir():
        raise ConfigError(section.key("folder"), f"话术模板文件夹 {folder} 不存在")
    boundaries = [
        section.time("morning_from", "05:00"),
        section.time("noon_from", "11:00"),
        section.time("afternoon_from", "13:00"),
        section.time("evening_from", "18:00"),
    ]
    if boundaries != sorted(set(boundaries)):
        raise ConfigError(
            section.key("morning_from"),
            "问候语分界应依次递增：morning_from < noon_from < afternoon_from < evening_from",
        )
    inline_results = int(section.positive("inline_results", 20))
    if inline_results > 50:
        raise ConfigError(section.key("inline_results"), "Telegram 内联结果最多 50 条")
    return ScriptsSettings(
        folder=folder,
        courier=_text(section, "courier", "申通"),
        vip_discount=_text(section, "vip_discount", "9.8折"),
        promotion=section.get("promotion", str, "").strip(),
        ship_days=_day_range(section, "ship_days", [1, 3]),
        arrive_days=_day_range(section, "arrive_days", [3, 7]),
        morning_from=boundaries[0],
        noon_from=boundaries[1],
        afternoon_from=boundaries[2],
        evening_from=boundaries[3],
        ask_minutes=int(section.positive("ask_minutes", 10)),
        inline_results=inline_results,
    )


def _text(section: Section, name: str, default: str) -> str:
    value = section.get(name, str, default).strip()
    if not value:
        raise ConfigError(section.key(name), "不能为空")
    return value


def _day_range(section: Section, name: str, default: list[int]) -> tuple[int, int]:
    value = section.get(name, list, default)
    if (
        len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
        or value[0] > value[1]
    ):
        raise ConfigError(
            section.key(name), f"应为 [最少天数, 最多天数]，如 [1, 3]，收到 {value!r}"
        )
    return (value[0], value[1])
