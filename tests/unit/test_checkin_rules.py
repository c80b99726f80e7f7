"""Check-in rules with a fixed time: shift placement, lateness, KPI points, dates, reuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.checkin import (
    Checkin,
    Image,
    ReuseIndex,
    Status,
    attendance_score,
    place_checkin,
)
from bot.domain.checkin_report import ShiftReport, summary_text
from bot.domain.errors import UserError
from bot.domain.shifts import Shift

TZ = ZoneInfo("Asia/Shanghai")
DAY = Shift("day", "白班", time(8, 40), time(8, 50), time(17, 30))
NIGHT = Shift("night", "晚班", time(16, 30), time(16, 35), time(0, 30))
SHIFTS = (DAY, NIGHT)
EARLY = timedelta(minutes=60)
MONDAY = date(2026, 11, 23)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def always(key: str | None) -> Callable[[date], str | None]:
    """Return a roster stub that puts the member on ``key`` every day."""
    return lambda _day: key


def test_day_agent_before_the_deadline_is_on_time() -> None:
    placed = place_checkin(SHIFTS, always("day"), at("2026-11-23 08:50"), TZ, EARLY)
    assert placed.occurrence.day == MONDAY and placed.occurrence.shift is DAY
    assert placed.status is Status.ON_TIME and placed.label() == "准时"


def test_day_agent_after_the_deadline_is_late_by_whole_minutes_rounded_up() -> None:
    moment = at("2026-11-23 08:57") + timedelta(seconds=1)
    placed = place_checkin(SHIFTS, always("day"), moment, TZ, EARLY)
    assert placed.status is Status.LATE and placed.late_minutes == 8
    assert placed.label() == "迟到 8 分钟"


def test_check_in_before_login_within_the_early_window_counts_for_that_shift() -> None:
    placed = place_checkin(SHIFTS, always("day"), at("2026-11-23 07:45"), TZ, EARLY)
    assert placed.occurrence.shift is DAY and placed.status is Status.ON_TIME


def test_check_in_earlier_than_the_early_window_is_refused() -> None:
    with pytest.raises(UserError, match="不在任何班次时间内"):
        place_checkin(SHIFTS, always("day"), at("2026-11-23 07:30"), TZ, EARLY)


def test_night_agent_after_midnight_belongs_to_the_shift_that_started_the_day_before() -> None:
    placed = place_checkin(SHIFTS, always("night"), at("2026-11-24 00:10"), TZ, EARLY)
    assert placed.occurrence.day == MONDAY and placed.occurrence.shift is NIGHT
    assert placed.late_minutes == 7 * 60 + 35


def test_night_agent_early_in_the_afternoon_counts_for_tonight() -> None:
    placed = place_checkin(SHIFTS, always("night"), at("2026-11-23 16:00"), TZ, EARLY)
    assert placed.occurrence == placed.occurrence.__class__(NIGHT, MONDAY)
    assert placed.status is Status.ON_TIME


def test_day_agent_in_the_overlap_is_late_for_the_day_not_early_for_the_night() -> None:
    placed = place_checkin(SHIFTS, always("day"), at("2026-11-23 16:40"), TZ, EARLY)
    assert placed.occurrence.shift is DAY and placed.late_minutes == 470


def test_member_resting_is_placed_in_the_running_shift_and_flagged_off_roster() -> None:
    placed = place_checkin(SHIFTS, always(None), at("2026-11-23 16:40"), TZ, EARLY)
    assert placed.occurrence.shift is NIGHT and placed.status is Status.OFF_ROSTER
    assert placed.label() == "非排班"


def test_night_agent_resting_tonight_but_working_last_night_after_midnight_is_placed() -> None:
    def roster(day: date) -> str | None:
        return "night" if day == MONDAY else None

    placed = place_checkin(SHIFTS, roster, at("2026-11-24 00:20"), TZ, EARLY)
    assert placed.occurrence.day == MONDAY and placed.status is Status.LATE


def test_check_in_outside_every_shift_is_refused_with_the_time() -> None:
    with pytest.raises(UserError, match="现在（03:00）不在任何班次时间内"):
        place_checkin(SHIFTS, always("day"), at("2026-11-24 03:00"), TZ, EARLY)


def test_attendance_score_takes_five_per_late_and_leave_and_ten_per_absence() -> None:
    assert attendance_score(0, 0, 0, 20, 5, 5, 10) == 20
    assert attendance_score(1, 1, 0, 20, 5, 5, 10) == 10
    assert attendance_score(0, 0, 1, 20, 5, 5, 10) == 10


def test_attendance_score_never_goes_below_zero() -> None:
    assert attendance_score(3, 1, 2, 20, 5, 5, 10) == 0


def _index(*entries: tuple[str, str, str | None]) -> ReuseIndex:
    """Index one day-shift check-in per (工号, file id, hash)."""
    index = ReuseIndex()
    for work_no, unique, phash in entries:
        image = Image("f" + unique, unique, at("2026-11-23 08:44"), phash=phash)
        checkin = Checkin(MONDAY, "day", work_no, f"{work_no}号", image.at, Status.ON_TIME)
        checkin.images.append(image)
        index.add(checkin)
    return index


TUESDAY_1 = (date(2026, 11, 24), "day", "1")


def test_same_file_unique_id_is_a_reuse_even_without_a_hash() -> None:
    index = _index(("2", "abc", None))
    match = index.find(Image("x", "abc", at("2026-11-24 08:44")), TUESDAY_1, 16)
    assert match is not None and match.how == "同一文件" and match.work_no == "2"
    assert match.day == MONDAY and match.shift == "day" and match.name == "2号"


def test_similar_hash_within_the_distance_is_a_reuse_and_beyond_it_is_not() -> None:
    index = _index(("2", "a", "ff00"), ("3", "b", "0f0f"))
    near = Image("x", "new", at("2026-11-24 08:44"), phash="ff01")
    match = index.find(near, TUESDAY_1, 1)
    assert match is not None and match.work_no == "2" and match.how == "图像相似"
    assert index.find(near, TUESDAY_1, 0) is None


def test_the_closest_hash_wins_and_the_earliest_of_equals() -> None:
    index = _index(("2", "a", "ff03"), ("3", "b", "ff01"), ("5", "c", "ff02"))
    match = index.find(Image("x", "new", at("2026-11-24 08:44"), phash="ff00"), TUESDAY_1, 4)
    assert match is not None and match.work_no == "3"
    tie = _index(("2", "a", "ff01"), ("3", "b", "ff02"))
    match = tie.find(Image("x", "new", at("2026-11-24 08:44"), phash="ff00"), TUESDAY_1, 4)
    assert match is not None and match.work_no == "2"


def test_a_second_screenshot_of_the_same_check_in_is_not_a_reuse() -> None:
    index = _index(("1", "a", "ff00"))
    again = Image("x", "a", at("2026-11-23 08:50"), phash="ff00")
    assert index.find(again, (MONDAY, "day", "1"), 16) is None
    assert index.find(again, TUESDAY_1, 16) is not None


def test_a_check_in_saved_again_indexes_only_its_new_screenshots() -> None:
    index = _index(("2", "a", "ff00"))
    checkin = Checkin(MONDAY, "day", "2", "2号", at("2026-11-23 08:44"), Status.ON_TIME)
    checkin.images.append(Image("fa", "a", at("2026-11-23 08:44"), phash="ff00"))
    checkin.images.append(Image("fb", "b", at("2026-11-23 08:46"), phash="00ff"))
    index.add(checkin)
    assert len(index) == 2
    match = index.find(Image("x", "b", at("2026-11-24 08:44")), TUESDAY_1, 0)
    assert match is not None and match.how == "同一文件"


def test_hashes_of_another_length_are_compared_as_far_apart() -> None:
    index = _index(("2", "a", "ff"))
    near = Image("x", "new", at("2026-11-24 08:44"), phash="ff00")
    assert index.find(near, TUESDAY_1, 15) is None
    assert index.find(near, TUESDAY_1, 16) is not None


def test_summary_when_all_is_well_is_one_line() -> None:
    report = ShiftReport(MONDAY, "白班", "08:50", on_time=["2号 李四 08:44"])
    report.absent = ["1号 张三（轮休）"]
    assert summary_text(report) == (
        "✅ 11月23日（周一） 白班挂号（截止 08:50）：1 人全部准时，所有账号都有人负责；"
        "1号 张三（轮休）。"
    )


def test_summary_with_problems_has_one_line_each_and_notes_a_late_delivery() -> None:
    report = ShiftReport(MONDAY, "白班", "08:50", on_time=["2号 李四 08:44"], missing=["3号 王五"])
    report.uncovered = ["官网客服"]
    text = summary_text(report, late_delivery=True)
    assert text.splitlines() == [
        "📋 11月23日（周一） 白班挂号（截止 08:50）",
        "✅ 准时（1）：2号 李四 08:44",
        "❌ 未挂号（1）：3号 王五",
        "⚠️ 无人负责的账号（1）：官网客服",
        "（机器人离线期间未能按时发出，现补发）",
    ]
