"""Judging a screenshot's reading: clock against the message, accounts against duty, reuse."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.screen_check import (
    Assessment,
    ClockVerdict,
    Reuse,
    agent_text,
    assess,
    check_clock,
    lead_note,
    reuse_verdict,
    unreadable_note,
    unreadable_text,
)
from bot.domain.screen_reading import ScreenReading
from bot.domain.screen_text import Presence, ScreenClock, SeenAccount

TZ = ZoneInfo("Asia/Shanghai")
NOV24 = date(2026, 11, 24)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=TZ)


def clock(hhmm: str, day: date | None = NOV24) -> ScreenClock:
    hour, minute = hhmm.split(":")
    return ScreenClock(time(int(hour), int(minute)), day)


@pytest.mark.parametrize(
    ("shown", "sent", "verdict", "apart"),
    [
        (clock("8:44"), "2026-11-24 08:44:50", ClockVerdict.OK, 0),
        (clock("8:44"), "2026-11-24 08:54:59", ClockVerdict.OK, 10),
        (clock("8:44"), "2026-11-24 08:55:00", ClockVerdict.MISMATCH, 11),
        (clock("8:50"), "2026-11-24 08:44:00", ClockVerdict.OK, 6),
        (clock("9:30"), "2026-11-24 08:44:00", ClockVerdict.MISMATCH, 46),
        (clock("8:44"), "2026-11-25 08:45:00", ClockVerdict.MISMATCH, 24 * 60 + 1),
        (clock("23:58", None), "2026-11-25 00:03:00", ClockVerdict.OK, 5),
        (clock("00:02", None), "2026-11-24 23:59:00", ClockVerdict.OK, 3),
    ],
)
def test_the_screen_clock_is_compared_with_the_message_time_within_the_tolerance(
    shown: ScreenClock, sent: str, verdict: ClockVerdict, apart: int
) -> None:
    check = check_clock(shown, at(sent), TZ, 10)
    assert (check.verdict, check.minutes_apart) == (verdict, apart)


def test_the_tolerance_is_a_setting() -> None:
    assert check_clock(clock("8:44"), at("2026-11-24 08:47:00"), TZ, 2).verdict is (
        ClockVerdict.MISMATCH
    )


def test_a_message_time_in_utc_is_compared_in_the_teams_timezone() -> None:
    sent = datetime(2026, 11, 24, 0, 45, tzinfo=ZoneInfo("UTC"))
    assert check_clock(clock("8:44"), sent, TZ, 10).verdict is ClockVerdict.OK


def test_a_date_read_months_away_is_taken_for_a_misread_and_only_the_time_counts() -> None:
    check = check_clock(clock("16:33", date(2026, 1, 24)), at("2026-11-24 16:33:10"), TZ, 10)
    assert check.verdict is ClockVerdict.OK and check.date_ignored == date(2026, 1, 24)
    assert not check.dated


def test_no_clock_on_the_screen_is_its_own_verdict() -> None:
    check = check_clock(None, at("2026-11-24 08:44:00"), TZ, 10)
    assert check.verdict is ClockVerdict.MISSING and check.shown is None


ZHANG = ("天猫旗舰店", "淘宝C店1")


def reading(*accounts: SeenAccount, shown: ScreenClock | None = None) -> ScreenReading:
    return ScreenReading(shown or clock("8:44"), accounts, 20)


def online(name: str) -> SeenAccount:
    return SeenAccount(name, Presence.ONLINE, "在线")


def judged(
    found: ScreenReading,
    expected: tuple[str, ...] = ZHANG,
    named: bool = False,
    sent: str = "2026-11-24 08:45:00",
) -> Assessment:
    return assess(found, at(sent), TZ, 10, expected, named, unassigned={"官网客服"})


def test_an_assigned_account_missing_from_the_screen_is_left_unattended() -> None:
    result = judged(reading(online("天猫旗舰店")))
    assert result.missing == ("淘宝C店1",) and not result.all_good


def test_an_account_shown_away_or_offline_is_flagged() -> None:
    away = SeenAccount("淘宝C店1", Presence.AWAY, "挂起")
    off = SeenAccount("天猫旗舰店", Presence.OFFLINE, "离线")
    result = judged(reading(off, away))
    assert result.away == (off, away) and result.missing == ()


def test_an_account_without_a_state_word_is_present_and_not_flagged() -> None:
    result = judged(reading(online("天猫旗舰店"), SeenAccount("淘宝C店1", Presence.UNKNOWN)))
    assert result.all_good and lead_note(result) is None


def test_without_named_accounts_the_screen_decides_what_is_covered() -> None:
    found = reading(online("天猫旗舰店"), online("官网客服"), online("京东自营店"))
    result = judged(found)
    assert result.unclaimed == ("官网客服",) and result.others == ("京东自营店",)
    assert result.covered == ("天猫旗舰店", "官网客服")
    assert agent_text(result).endswith(
        "官网客服 原无人负责，已按截图记为您负责。\n京东自营店 由其他同事负责，未记在您名下。"
    )


def test_with_named_accounts_an_unclaimed_one_is_only_offered() -> None:
    result = judged(reading(online("京东自营店"), online("官网客服")), ("京东自营店",), True)
    assert result.covered == () and result.unclaimed == ("官网客服",)
    assert agent_text(result, "#挂号").endswith(
        "截图中还有无人负责的 官网客服：如由您负责，请回复这张截图发 #挂号 京东自营店 官网客服"
    )


def test_the_agent_hears_in_one_line_that_all_is_well() -> None:
    result = judged(reading(online("天猫旗舰店"), online("淘宝C店1")))
    assert agent_text(result) == (
        "🔎 截图识别：电脑时间 11月24日 08:44 与发送时间相符；天猫旗舰店、淘宝C店1 均在线。"
    )


def test_the_agent_hears_every_problem_and_what_was_taken_over() -> None:
    away = SeenAccount("淘宝C店1", Presence.AWAY, "挂起")
    result = judged(
        reading(away, online("官网客服"), shown=clock("8:20", None)), (*ZHANG, "唯品会专卖")
    )
    assert agent_text(result) == (
        "🔎 截图识别：⚠️ 截图时间不符（截图 08:20，发送 08:45，相差 25 分钟）；"
        "⚠️ 漏挂：天猫旗舰店、唯品会专卖（截图中没有找到）；"
        "⚠️ 淘宝C店1 显示“挂起”，请改为在线。\n"
        "官网客服 原无人负责，已按截图记为您负责。"
    )
    assert lead_note(result) == (
        "截图时间不符（截图 08:20，发送 08:45，相差 25 分钟）；"
        "漏挂 天猫旗舰店、唯品会专卖；淘宝C店1显示“挂起”"
    )


def test_a_screenshot_resent_a_day_later_shows_both_dates_to_the_lead() -> None:
    result = judged(reading(online("天猫旗舰店"), online("淘宝C店1")), sent="2026-11-25 08:45:00")
    assert lead_note(result) == (
        "截图时间不符（截图 11月24日 08:44，发送 11月25日 08:45，相差 1 天 0 小时 1 分钟）"
    )


def test_a_screen_with_no_readable_clock_is_noted() -> None:
    result = assess(
        ScreenReading(None, (online("天猫旗舰店"), online("淘宝C店1")), 5),
        at("2026-11-24 08:45:00"),
        TZ,
        10,
        ZHANG,
        False,
        (),
    )
    assert lead_note(result) == "截图中未识别到电脑时间"
    assert agent_text(result).startswith("🔎 截图识别：⚠️ 截图中未识别到电脑时间；")


def test_an_image_without_any_text_says_so_instead_of_listing_every_account_missing() -> None:
    result = assess(
        ScreenReading(None, (), 0), at("2026-11-24 08:45:00"), TZ, 10, ZHANG, False, ()
    )
    assert lead_note(result) == "截图中没有识别到文字"
    assert "没有识别到文字" in agent_text(result) and "挂号已照常记录" in agent_text(result)


def test_an_unreadable_image_leaves_the_check_in_standing_with_a_note() -> None:
    assert "挂号已照常记录" in unreadable_text("识别超时（超过 20 秒）")
    assert unreadable_note("识别超时（超过 20 秒）") == "截图未能识别：识别超时（超过 20 秒）"


@pytest.mark.parametrize(
    ("similar", "new", "old", "verdict"),
    [
        (False, clock("8:44"), clock("8:44"), Reuse.NONE),
        (True, clock("8:44"), clock("8:44"), Reuse.REUSED),
        (True, clock("8:44", None), clock("8:44"), Reuse.REUSED),
        (True, clock("8:52"), clock("8:44"), Reuse.RETAKEN),
        (True, clock("8:44", date(2026, 11, 25)), clock("8:44"), Reuse.RETAKEN),
        (True, None, clock("8:44"), Reuse.SUSPECTED),
        (True, clock("8:44"), None, Reuse.SUSPECTED),
    ],
)
def test_a_hash_match_is_reused_only_when_the_clock_and_date_agree(
    similar: bool, new: ScreenClock | None, old: ScreenClock | None, verdict: Reuse
) -> None:
    assert reuse_verdict(similar, new, old) is verdict
