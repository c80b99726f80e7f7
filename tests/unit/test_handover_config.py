"""The [handover] settings: seed defaults and one clear error per bad value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.config import ConfigError, parse_settings
from tests.harness import example_raw


def with_handover(**values: Any) -> dict[str, Any]:
    raw = example_raw()
    raw["handover"] = values
    return raw


def test_an_empty_handover_table_takes_the_seed_defaults() -> None:
    cfg = parse_settings(with_handover()).handover
    assert cfg.remind_before == timedelta(minutes=30)
    assert cfg.ack_alert_after == timedelta(minutes=15)
    assert cfg.urgent_after == timedelta(minutes=60)
    assert "!急" in cfg.urgent_marks


def test_the_example_file_documents_the_same_values() -> None:
    cfg = parse_settings(example_raw()).handover
    assert cfg == parse_settings(with_handover()).handover


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"remind_before_minutes": 0}, "handover.remind_before_minutes"),
        ({"remind_before_minutes": 600}, "handover.remind_before_minutes"),
        ({"ack_alert_after_minutes": "15"}, "handover.ack_alert_after_minutes"),
        ({"urgent_after_minutes": -5}, "handover.urgent_after_minutes"),
        ({"urgent_marks": []}, "handover.urgent_marks"),
        ({"urgent_marks": ["!急", 3]}, "handover.urgent_marks"),
        ({"remind_before": 30}, "handover.remind_before"),
    ],
)
def test_a_bad_handover_value_is_refused_naming_its_key(values: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(with_handover(**values))
    assert f"[{key}]" in str(err.value)
