"""Reading OCR lines: the computer's clock, the accounts and the state shown beside each."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.screen_clock import find_clock, parse_date, parse_time
from bot.domain.screen_reading import read_screen
from bot.domain.screen_text import Presence, ScreenClock, TextLine, normalize, presence_of

TODAY = date(2026, 11, 24)
ACCOUNTS = {
    "天猫旗舰店": ("梦想家床垫旗舰店",),
    "京东自营店": (),
    "唯品会专卖": (),
    "淘宝C店1": (),
    "淘宝C店2": (),
    "官网客服": (),
}


def line(text: str, left: float, top: float, width: float = 120, height: float = 22) -> TextLine:
    return TextLine(text, (left, top, left + width, top + height), 0.99)


def taskbar(clock: str = "8:44", day: str = "2026/11/24") -> list[TextLine]:
    return [line(clock, 1204, 681, 35, 21), line(day, 1186, 700, 74, 19)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:44", time(8, 44)),
        ("08：44", time(8, 44)),
        ("16:33:05", time(16, 33)),
        ("下午 4:33", time(16, 33)),
        ("下午12:10", time(12, 10)),
        ("上午 12:05", time(0, 5)),
        ("4:33 PM", time(16, 33)),
        ("在吗 08:31", time(8, 31)),
        ("24:10", None),
        ("8:61", None),
        ("2026/11/24", None),
        ("tb88231906", None),
    ],
)
def test_a_clock_time_is_read_in_the_forms_windows_and_chat_tools_show(
    text: str, expected: time | None
) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026/11/24", date(2026, 11, 24)),
        ("2026-11-24 08:41:26", date(2026, 11, 24)),
        ("2026-11-2408:41:26", date(2026, 11, 24)),
        ("2026.11.24", date(2026, 11, 24)),
        ("2026年11月24日 星期二", date(2026, 11, 24)),
        ("11月24日 周二", date(2026, 11, 24)),
        ("1月2日", date(2027, 1, 2)),
        ("2026/02/30", None),
        ("8:44", None),
    ],
)
def test_a_date_is_read_in_chinese_and_iso_forms_and_a_yearless_one_takes_the_nearest_year(
    text: str, expected: date | None
) -> None:
    assert parse_date(text, TODAY)[0] == expected


def test_the_time_glued_to_a_date_is_still_read_once_the_date_is_taken_out() -> None:
    day, rest = parse_date("2026-11-2408:41:26", TODAY)
    assert day == date(2026, 11, 24) and parse_time(rest) == time(8, 41)


def test_the_taskbar_clock_wins_over_the_times_of_chat_messages_above_it() -> None:
    lines = [
        line("08:41", 608, 66, 38, 18),
        line("2026-11-24 08:41:26", 860, 113, 122, 17),
        line("08:37", 608, 136, 38, 19),
        *taskbar(),
    ]
    assert find_clock(lines, TODAY) == ScreenClock(time(8, 44), date(2026, 11, 24))


def test_a_clock_without_a_date_line_has_no_date() -> None:
    lines = [line("08:41", 608, 66), line("16:33", 1200, 690, 40, 20)]
    assert find_clock(lines, TODAY) == ScreenClock(time(16, 33), None)


def test_a_date_far_from_the_clock_is_not_its_date() -> None:
    lines = [line("2026/11/20", 100, 100), line("8:44", 1204, 681, 35, 21)]
    assert find_clock(lines, TODAY) == ScreenClock(time(8, 44), None)


def test_a_date_and_time_in_one_line_give_both() -> None:
    assert find_clock([line("11月24日 周二 08:44", 1100, 5)], TODAY) == ScreenClock(
        time(8, 44), date(2026, 11, 24)
    )


def test_no_time_on_the_screen_means_no_clock() -> None:
    assert find_clock([line("千牛工作台", 19, 13), line("2026/11/24", 1186, 700)], TODAY) is None


@pytest.mark.parametrize(
    "stored", [ScreenClock(time(8, 44), date(2026, 11, 24)), ScreenClock(time(23, 5))]
)
def test_a_clock_stored_as_text_reads_back_the_same(stored: ScreenClock) -> None:
    assert ScreenClock.from_text(stored.to_text()) == stored


@pytest.mark.parametrize(
    ("text", "presence"),
    [
        ("●在线", Presence.ONLINE),
        ("Online", Presence.ONLINE),
        ("·挂起", Presence.AWAY),
        ("忙碌", Presence.AWAY),
        ("离开", Presence.AWAY),
        ("不在线", Presence.OFFLINE),
        ("离线", Presence.OFFLINE),
        ("未登录", Presence.OFFLINE),
        ("今日接待12人", None),
    ],
)
def test_state_words_are_sorted_into_online_away_and_offline(
    text: str, presence: Presence | None
) -> None:
    found = presence_of(text)
    assert (found[0] if found else None) == presence


def test_names_compare_without_case_width_or_punctuation() -> None:
    assert normalize("淘宝Ｃ店1：张三·在线") == "淘宝c店1张三在线"


def seen(lines: list[TextLine]) -> dict[str, tuple[Presence, str]]:
    reading = read_screen(lines, ACCOUNTS, TODAY)
    return {a.account: (a.presence, a.word) for a in reading.accounts}


def test_an_alias_on_screen_stands_for_its_account_with_the_state_in_the_same_line() -> None:
    assert seen([line("梦想家床垫旗舰店：张三·在线", 66, 114, 237)]) == {
        "天猫旗舰店": (Presence.ONLINE, "在线")
    }


def test_a_state_label_to_the_right_on_the_same_row_belongs_to_that_account() -> None:
    lines = [
        line("梦想家床垫旗舰店：张三", 66, 114, 180),
        line("在线", 268, 114, 36),
        line("淘宝C店1:张三", 66, 179, 114),
        line("●挂起", 249, 177, 54, 25),
    ]
    assert seen(lines) == {
        "天猫旗舰店": (Presence.ONLINE, "在线"),
        "淘宝C店1": (Presence.AWAY, "挂起"),
    }


def test_a_state_button_below_a_name_in_a_tile_belongs_to_that_tile() -> None:
    lines = [
        line("京东自营店", 203, 144, 114, 29),
        line("客服：李四", 204, 188, 78, 20),
        line("在线", 246, 270, 41, 26),
        line("今日接待12人", 519, 142, 108),
    ]
    assert seen(lines) == {"京东自营店": (Presence.ONLINE, "在线")}


def test_a_label_on_the_next_accounts_row_is_not_taken_by_the_account_above() -> None:
    lines = [
        line("唯品会专卖", 66, 100, 114),
        line("淘宝C店2", 66, 140, 114),
        line("挂起", 200, 140, 36),
    ]
    assert seen(lines) == {
        "唯品会专卖": (Presence.UNKNOWN, ""),
        "淘宝C店2": (Presence.AWAY, "挂起"),
    }


def test_a_heading_that_contains_a_state_word_is_not_a_state_label() -> None:
    lines = [line("官网在线客服", 895, 338, 106), line("官网客服", 899, 402, 72)]
    assert seen(lines) == {"官网客服": (Presence.UNKNOWN, "")}


def test_one_misread_character_still_names_the_account() -> None:
    assert seen([line("唯品会专买:赵六", 66, 100)]) == {"唯品会专卖": (Presence.UNKNOWN, "")}


def test_a_misread_digit_never_names_the_other_numbered_account() -> None:
    assert seen([line("淘宝C店3:张三", 66, 100)]) == {}
    assert seen([line("淘宝C店12", 66, 100)]) == {}


def test_two_accounts_both_one_edit_away_name_neither() -> None:
    aliases = {"京东一店": (), "京东二店": ()}
    assert read_screen([line("京东三店", 0, 0)], aliases, TODAY).accounts == ()


def test_an_account_shown_away_anywhere_counts_as_away() -> None:
    lines = [line("淘宝C店1 在线", 66, 100, 200), line("淘宝C店1 挂起", 600, 300, 200)]
    assert seen(lines) == {"淘宝C店1": (Presence.AWAY, "挂起")}


def test_unsure_lines_are_ignored_and_counted_out() -> None:
    reading = read_screen([TextLine("淘宝C店1", (0, 0, 100, 20), 0.3)], ACCOUNTS, TODAY)
    assert reading.accounts == () and reading.line_count == 0
