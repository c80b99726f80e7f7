"""Settings validation: a wrong value stops the bot with one line naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings, parse_settings
from tests.harness import EXAMPLE, ROOT, example_raw


def _error(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw)
    return caught.value


def test_the_example_settings_are_valid_and_describe_the_demo_team() -> None:
    settings = load_settings(EXAMPLE)
    assert str(settings.timezone) == "Asia/Shanghai"
    assert [s.key for s in settings.shifts] == ["day", "night"]
    assert settings.shift("night").crosses_midnight
    roles = sorted(m.role.name for m in settings.members)
    assert roles.count("AGENT") >= 4 and "LEAD" in roles and "ADMIN" in roles


def test_a_deadline_before_the_login_time_names_the_key() -> None:
    raw = example_raw()
    raw["shifts"][0]["checkin_deadline"] = "08:30"
    err = _error(raw)
    assert err.key == "shifts[0].checkin_deadline"
    assert "应在上班 08:40" in str(err)


def test_a_badly_written_time_names_the_key() -> None:
    raw = example_raw()
    raw["shifts"][1]["login"] = "8:5O"
    err = _error(raw)
    assert err.key == "shifts[1].login"
    assert "HH:MM" in str(err)


def test_an_unknown_role_names_the_member() -> None:
    raw = example_raw()
    raw["members"][2]["role"] = "boss"
    err = _error(raw)
    assert err.key == "members[2].role"
    assert "未知角色" in str(err)


def test_an_unknown_shift_of_a_member_is_refused() -> None:
    raw = example_raw()
    raw["members"][2]["shift"] = "evening"
    assert _error(raw).key == "members[2].shift"


def test_a_duplicate_work_number_is_refused() -> None:
    raw = example_raw()
    raw["members"][3]["work_no"] = raw["members"][2]["work_no"]
    assert _error(raw).key == "members[3].work_no"


def test_an_unknown_timezone_is_refused() -> None:
    raw = example_raw()
    raw["timezone"] = "Mars/Olympus"
    assert _error(raw).key == "timezone"


def test_a_typo_in_a_key_is_refused_rather_than_ignored() -> None:
    raw = example_raw()
    raw["shifts"][0]["chekin_deadline"] = "08:50"
    assert _error(raw).key == "shifts[0].chekin_deadline"


def test_team_chats_must_be_integers() -> None:
    raw = example_raw()
    raw["chats"]["team"] = ["-100123"]
    assert _error(raw).key == "chats.team"


def test_a_night_shift_with_its_deadline_after_midnight_is_accepted() -> None:
    raw = example_raw()
    raw["shifts"][1].update(login="23:50", checkin_deadline="00:05", end="08:00")
    shift = parse_settings(raw).shift("night")
    assert shift.crosses_midnight


def test_days_off_accept_chinese_weekday_names_and_numbers() -> None:
    raw = example_raw()
    raw["members"][2]["days_off"] = ["周六", 7]
    member = parse_settings(raw).members[2]
    assert member.days_off == (6, 7)


def test_a_missing_settings_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml")
    assert "找不到配置文件" in str(caught.value)


def test_the_command_line_stops_with_one_line_on_a_bad_setting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('"08:50"', '"08:3O"', 1), encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "bot.py", "check-config", "--config", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "配置错误 [shifts[0].checkin_deadline]: 时间格式应为 HH:MM（如 08:30），收到 '08:3O'"
    ]
