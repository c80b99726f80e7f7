"""Times users type for deadlines, follow-up windows and the review sample."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.deadline_input import looks_like_time, parse_moment
from bot.domain.errors import UserError
from bot.domain.followup import Cadence, parse_class, sample_for_review

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("tokens", "expected", "used"),
    [
        (["8:30"], datetime(2026, 11, 23, 8, 30, tzinfo=TZ), 1),
        (["08:30", "说明"], datetime(2026, 11, 23, 8, 30, tzinfo=TZ), 1),
        (["08：30"], datetime(2026, 11, 23, 8, 30, tzinfo=TZ), 1),
        (["昨天", "21:10"], datetime(2026, 11, 22, 21, 10, tzinfo=TZ), 2),
        (["前天", "9:00"], datetime(2026, 11, 21, 9, 0, tzinfo=TZ), 2),
        (["11-21", "21:10"], datetime(2026, 11, 21, 21, 10, tzinfo=TZ), 2),
        (["10:00"], NOW, 1),
    ],
)
def test_past_moments_parse(tokens: list[str], expected: datetime, used: int) -> None:
    assert parse_moment(tokens, NOW) == (expected, used)


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["10:01"], "还没到"),
        (["明天", "09:00"], "还没到"),
        (["11-24", "09:00"], "还没到"),
        (["25:00"], "看不懂时间"),
        (["昨天"], "缺少几点几分"),
        (["02-30", "09:00"], "不存在"),
        ([], "缺少时间"),
    ],
)
def test_future_or_unreadable_moments_are_refused(tokens: list[str], message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_moment(tokens, NOW)
    assert message in str(err.value) and "昨天 21:10" in str(err.value)


def test_december_typed_in_january_means_last_year() -> None:
    now = datetime(2027, 1, 2, 9, 0, tzinfo=TZ)
    moment, _ = parse_moment(["12-30", "21:10"], now)
    assert moment == datetime(2026, 12, 30, 21, 10, tzinfo=TZ)


def test_notes_are_not_mistaken_for_times() -> None:
    assert looks_like_time(["昨天", "21:10"]) and looks_like_time(["8:30"])
    assert not looks_like_time(["物流破损"]) and not looks_like_time([])


def test_visits_fall_on_day_2_days_3_to_5_and_day_7() -> None:
    cadence = Cadence()
    start = date(2026, 11, 23)
    assert cadence.window(start, 1, TZ) == (
        datetime(2026, 11, 24, 10, 0, tzinfo=TZ),
        datetime(2026, 11, 24, 17, 0, tzinfo=TZ),
    )
    assert cadence.window(start, 2, TZ) == (
        datetime(2026, 11, 25, 10, 0, tzinfo=TZ),
        datetime(2026, 11, 27, 17, 0, tzinfo=TZ),
    )
    assert cadence.window(start, 3, TZ)[0] == datetime(2026, 11, 29, 10, 0, tzinfo=TZ)


def test_class_letters() -> None:
    assert parse_class("b") == "B" and parse_class("C类") == "C"
    with pytest.raises(ValueError):
        parse_class("D")


def test_sixty_percent_of_b_is_sampled_and_stable() -> None:
    ids = list(range(1, 11))
    first = sample_for_review(ids, 0.6, "deadlines:review:2026-11-23")
    assert len(first) == 6 and set(first) <= set(ids)
    assert sample_for_review(ids, 0.6, "deadlines:review:2026-11-23") == first
    assert sample_for_review([], 0.6, "x") == [] and sample_for_review(ids, 0, "x") == []
    assert sample_for_review([7], 0.6, "x") == [7]


def test_a_date_months_back_without_a_year_means_this_year() -> None:
    moment, used = parse_moment(["05-01", "10:00"], NOW)
    assert moment == datetime(2026, 5, 1, 10, 0, tzinfo=TZ) and used == 2


def test_tomorrows_date_without_a_year_is_refused_not_read_as_last_year() -> None:
    with pytest.raises(UserError, match="还没到"):
        parse_moment(["11-24", "09:00"], NOW)
