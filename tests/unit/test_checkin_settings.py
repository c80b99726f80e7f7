"""The [checkin] settings: defaults from the team's rules and one clear line per mistake."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, parse_settings
from tests.harness import example_raw


def checkin_settings(**changes: Any) -> Any:
    raw = example_raw()
    raw["checkin"].update(changes)
    return parse_settings(raw).checkin


def test_missing_table_takes_the_seed_defaults() -> None:
    raw = example_raw()
    del raw["checkin"]
    settings = parse_settings(raw).checkin
    assert (settings.kpi_points, settings.late_penalty, settings.leave_penalty) == (20, 5, 5)
    assert settings.absence_penalty == 10 and settings.early_minutes == 60
    assert settings.accounts == {} and settings.hashtag == "#挂号"


def test_demo_maps_every_account_but_one_per_shift() -> None:
    accounts = checkin_settings().accounts
    assert accounts["day"]["天猫旗舰店"] == "1" and "官网客服" not in accounts["day"]
    assert accounts["night"]["京东自营店"] == "6"


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"accounts": {"noon": {}}}, "checkin.accounts.noon", "未知班次"),
        ({"accounts": {"day": {"拼多多": 1}}}, "checkin.accounts.day.拼多多", "未知账号"),
        ({"accounts": {"day": {"官网客服": "x"}}}, "checkin.accounts.day.官网客服", "工号"),
        ({"hashtag": "挂号"}, "checkin.hashtag", "以 # 开头"),
        ({"duplicate_distance": 99}, "checkin.duplicate_distance", "0–64"),
        ({"early_minutes": -5}, "checkin.early_minutes", "0–240"),
        ({"image_retention_days": 0}, "checkin.image_retention_days", "应大于 0"),
        ({"maintenance_at": "25:00"}, "checkin.maintenance_at", "HH:MM"),
        ({"kpi": {"late_penalty": -1}}, "checkin.kpi.late_penalty", "不能小于 0"),
        ({"remind_at_login": "yes"}, "checkin.remind_at_login", "true/false"),
        ({"typo": 1}, "checkin.typo", "未知配置项"),
    ],
)
def test_a_bad_value_names_its_key(changes: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        checkin_settings(**changes)
    assert key in str(err.value) and message in str(err.value)


def test_screen_reading_is_on_by_default_with_a_ten_minute_clock_tolerance() -> None:
    raw = example_raw()
    del raw["checkin"]["ocr"]
    ocr = parse_settings(raw).checkin.ocr
    assert ocr.enabled and ocr.clock_tolerance_minutes == 10
    assert (ocr.time_limit_seconds, ocr.max_image_side, ocr.aliases) == (20.0, 1920, {})


def test_the_demo_names_the_tmall_account_as_its_shop_shows_on_screen() -> None:
    ocr = checkin_settings().ocr
    assert ocr.aliases == {"天猫旗舰店": ("梦想家床垫旗舰店",)}
    assert ocr.screen_names(["天猫旗舰店", "官网客服"]) == {
        "天猫旗舰店": ("梦想家床垫旗舰店",),
        "官网客服": (),
    }


def test_screen_reading_can_be_switched_off() -> None:
    assert not checkin_settings(ocr={"enabled": False}).ocr.enabled


@pytest.mark.parametrize(
    ("ocr", "key", "message"),
    [
        ({"enabled": "no"}, "checkin.ocr.enabled", "true/false"),
        ({"clock_tolerance_minutes": -1}, "checkin.ocr.clock_tolerance_minutes", "0–240"),
        ({"clock_tolerance_minutes": 2.5}, "checkin.ocr.clock_tolerance_minutes", "整数"),
        ({"time_limit_seconds": 0}, "checkin.ocr.time_limit_seconds", "1–300"),
        ({"time_limit_seconds": 900}, "checkin.ocr.time_limit_seconds", "1–300"),
        ({"max_image_side": 320}, "checkin.ocr.max_image_side", "640–8000"),
        ({"aliases": {"拼多多": ["拼多多店"]}}, "checkin.ocr.aliases.拼多多", "未知账号"),
        ({"aliases": {"官网客服": "官网"}}, "checkin.ocr.aliases.官网客服", "列表"),
        ({"aliases": {"官网客服": ["官"]}}, "checkin.ocr.aliases.官网客服", "至少含两个"),
        ({"aliases": {"官网客服": [3]}}, "checkin.ocr.aliases.官网客服", "至少含两个"),
        (
            {"aliases": {"官网客服": ["梦想家"], "京东自营店": ["梦想家"]}},
            "checkin.ocr.aliases.京东自营店",
            "已用于账号 '官网客服'",
        ),
        ({"aliases": {"官网客服": ["淘宝C店1"]}}, "checkin.ocr.aliases.官网客服", "已用于账号"),
        ({"typo": 1}, "checkin.ocr.typo", "未知配置项"),
    ],
)
def test_a_bad_screen_reading_value_names_its_key(
    ocr: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        checkin_settings(ocr=ocr)
    assert key in str(err.value) and message in str(err.value)
