"""The [deadlines] settings: seed defaults, overrides, and one clear line per mistake."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, parse_settings
from tests.harness import example_raw


def settings_with(deadlines: dict[str, Any]) -> Any:
    raw = example_raw()
    raw["deadlines"] = deadlines
    return parse_settings(raw).deadlines


def test_an_empty_table_gives_the_seed_rules() -> None:
    conf = settings_with({})
    assert conf.rules["jd"].hours == 2 and conf.rules["email"].hours == 9
    assert conf.rules["dunning"].owner == "holder"
    assert conf.cadence.visit_days == ((2, 2), (3, 5), (7, 7))
    assert [r.name for r in conf.routines] == ["daily_report", "weekly_meeting"]


def test_one_key_of_a_rule_can_be_changed_alone() -> None:
    conf = settings_with({"rules": {"jd": {"hours": 4}}, "warn_before": [15]})
    assert conf.rules["jd"].hours == 4 and conf.rules["jd"].opens.hour == 9
    assert conf.rules["jd"].warn_before == (15,)


def test_a_new_rule_and_ticket_word_can_be_added() -> None:
    conf = settings_with(
        {"rules": {"pdd": {"kind": "calendar", "hours": 12}}, "tickets": {"拼多多": "pdd"}}
    )
    assert conf.tickets["拼多多"] == "pdd" and conf.rules["pdd"].hours == 12


@pytest.mark.parametrize(
    ("deadlines", "key"),
    [
        ({"rules": {"jd": {"kind": "weekly"}}}, "deadlines.rules.jd.kind"),
        ({"rules": {"vip": {"windows": [["16:00", "18:00"], ["10:30", "12:00"]]}}}, "windows"),
        ({"rules": {"vip": {"windows": [["10:30", "09:00"]]}}}, "windows"),
        ({"rules": {"jd": {"closes": "08:00"}}}, "deadlines.rules.jd.closes"),
        ({"rules": {"erp": {"hours": 2, "days": 1}}}, "deadlines.rules.erp.days"),
        ({"rules": {"erp": {"hour": 2}}}, "deadlines.rules.erp.hour"),
        ({"tickets": {"拼多多": "nope"}}, "deadlines.tickets.拼多多"),
        ({"shared_platforms": ["pdd"]}, "deadlines.shared_platforms"),
        ({"holidays": ["2027-13-01"]}, "deadlines.holidays"),
        ({"followup": {"review_share_b": 1.5}}, "deadlines.followup.review_share_b"),
        ({"followup": {"visit_days": [[3, 5], [2, 2]]}}, "deadlines.followup.visit_days"),
        ({"routines": [{"name": "x", "at": "25:00", "text": "t"}]}, "deadlines.routines[0].at"),
        ({"routines": [{"name": "x", "at": "09:00", "text": "t", "days": ["周八"]}]}, "days"),
        ({"warn_before": [30, -5]}, "deadlines.warn_before"),
        ({"escalate": 60}, "deadlines.escalate"),
    ],
)
def test_a_bad_value_stops_with_the_key_named(deadlines: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_with(deadlines)
    assert key in str(err.value)
