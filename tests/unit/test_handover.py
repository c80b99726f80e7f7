"""Handover rules: parsing items, shift order, reminder times, acknowledgement and rollover."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config.handover import DEFAULT_URGENT_MARKS
from bot.domain import handover_text as fmt
from bot.domain.errors import UserError
from bot.domain.handover import (
    Item,
    MemberShifts,
    ack_due,
    is_nothing,
    last_started,
    next_occurrence,
    occ_from_key,
    occ_key,
    parse_item,
    parse_items,
    previous_occurrence,
    reminder_at,
)
from bot.domain.members import Member, Role
from bot.domain.shifts import Shift, ShiftOccurrence
from bot.domain.text import TELEGRAM_LIMIT

TZ = ZoneInfo("Asia/Shanghai")
DAY = Shift("day", "白班", time(8, 40), time(8, 50), time(17, 30))
NIGHT = Shift("night", "晚班", time(16, 30), time(16, 35), time(0, 30))
SHIFTS = (DAY, NIGHT)
MONDAY = date(2026, 11, 23)
MARKS = DEFAULT_URGENT_MARKS


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def make_item(**changes: object) -> Item:
    fields: dict = {
        "id": 7,
        "text": "客户问尺码",
        "author_id": 1,
        "author": "2号 李四",
        "from_occ": "day:2026-11-23",
        "to_occ": "night:2026-11-23",
        "created_at": at("2026-11-23 17:00"),
        "ack_due": at("2026-11-23 17:15"),
    }
    fields.update(changes)
    return Item(**fields)


AGENT = Member(user_id=5, work_no="5", name="赵六", role=Role.AGENT, shift="night")
LEAD = Member(user_id=80, work_no="80", name="李组长", role=Role.LEAD, shift="day")


# ---- parsing ------------------------------------------------------------------------------


def test_an_urgent_line_with_order_and_customer_is_parsed_and_the_mark_removed() -> None:
    draft = parse_item("!急 客户：小王 订单号：3344556677889 要求今晚改地址", MARKS, 300)
    assert draft.urgent is True
    assert draft.order_no == "3344556677889"
    assert draft.customer == "小王"
    assert draft.text == "客户：小王 订单号：3344556677889 要求今晚改地址"


def test_a_bare_long_number_is_an_order_but_a_mobile_number_is_not() -> None:
    assert parse_item("退款 4012345678901234 待审核", MARKS, 300).order_no == "4012345678901234"
    assert parse_item("回电 13812345678", MARKS, 300).order_no is None


def test_a_courier_tracking_number_is_not_taken_for_the_order_number() -> None:
    assert parse_item("快递单号 SF1234567890 已拦截", MARKS, 300).order_no is None
    assert parse_item("单号 TB20261123 待发货", MARKS, 300).order_no == "TB20261123"


def test_list_numbering_and_bullets_are_dropped_from_an_item() -> None:
    assert parse_item("2. 买家:tb_abc 问尺码", MARKS, 300).text == "买家:tb_abc 问尺码"
    assert parse_item("- 补发赠品", MARKS, 300).text == "补发赠品"
    assert parse_item("12.5元差价待退", MARKS, 300).text == "12.5元差价待退"


def test_worried_customer_is_not_urgent_without_an_explicit_mark() -> None:
    assert parse_item("客户很着急要发票", MARKS, 300).urgent is False
    assert parse_item("【急】客户要发票", MARKS, 300).urgent is True
    assert parse_item("客户要发票 ！急", MARKS, 300).urgent is True


def test_a_line_with_only_a_mark_is_refused() -> None:
    with pytest.raises(UserError, match="不能只有标记"):
        parse_item(" !急 ", MARKS, 300)


def test_an_item_over_the_length_limit_is_refused() -> None:
    with pytest.raises(UserError, match="不超过 10 字"):
        parse_item("一二三四五六七八九十一", MARKS, 10)


def test_several_lines_make_several_items_and_blank_lines_are_skipped() -> None:
    drafts = parse_items("第一项\n\n  第二项 !急\n", MARKS, 20, 300)
    assert [d.text for d in drafts] == ["第一项", "第二项"]
    assert [d.urgent for d in drafts] == [False, True]


def test_empty_text_and_too_many_lines_are_refused_naming_the_line() -> None:
    with pytest.raises(UserError, match="为空"):
        parse_items("\n  \n", MARKS, 20, 300)
    with pytest.raises(UserError, match="最多写 2 项"):
        parse_items("a\nb\nc", MARKS, 2, 300)
    with pytest.raises(UserError, match="第 2 行"):
        parse_items("正常\n!急", MARKS, 20, 300)


def test_nothing_to_hand_over_is_recognised() -> None:
    assert is_nothing("无") and is_nothing("没有。") and is_nothing("无交接")
    assert not is_nothing("无法联系客户")


# ---- shifts and times ------------------------------------------------------------------------


def test_the_day_shift_hands_over_to_the_night_shift_of_the_same_day() -> None:
    day = ShiftOccurrence(DAY, MONDAY)
    assert next_occurrence(SHIFTS, day, TZ) == ShiftOccurrence(NIGHT, MONDAY)


def test_the_night_shift_hands_over_to_the_next_morning() -> None:
    night = ShiftOccurrence(NIGHT, MONDAY)
    assert next_occurrence(SHIFTS, night, TZ) == ShiftOccurrence(DAY, MONDAY + timedelta(1))
    assert previous_occurrence(SHIFTS, ShiftOccurrence(DAY, MONDAY), TZ) == ShiftOccurrence(
        NIGHT, MONDAY - timedelta(1)
    )


def test_day_shift_reminder_is_thirty_minutes_before_it_ends() -> None:
    occ = ShiftOccurrence(DAY, MONDAY)
    assert reminder_at(occ, timedelta(minutes=30), TZ) == at("2026-11-23 17:00")


def test_night_shift_ending_after_midnight_is_reminded_at_midnight_the_next_day() -> None:
    occ = ShiftOccurrence(NIGHT, MONDAY)
    assert reminder_at(occ, timedelta(minutes=30), TZ) == at("2026-11-24 00:00")
    assert reminder_at(occ, timedelta(minutes=45), TZ) == at("2026-11-23 23:45")


def test_night_agent_writing_after_midnight_still_hands_over_from_monday_night() -> None:
    occ = MemberShifts(SHIFTS, lambda _day: "night", TZ).own(at("2026-11-24 00:10"))
    assert occ == ShiftOccurrence(NIGHT, MONDAY)


def test_day_agent_writing_during_the_night_shift_hands_over_from_the_day_shift() -> None:
    occ = MemberShifts(SHIFTS, lambda _day: "day", TZ).own(at("2026-11-23 17:10"))
    assert occ == ShiftOccurrence(DAY, MONDAY)
    late = MemberShifts(SHIFTS, lambda _day: "day", TZ).own(at("2026-11-23 19:00"))
    assert late == ShiftOccurrence(DAY, MONDAY)


def test_agent_on_a_day_off_has_no_shift_and_the_latest_started_one_is_used() -> None:
    assert MemberShifts(SHIFTS, lambda _day: None, TZ).own(at("2026-11-23 10:00")) is None
    assert last_started(SHIFTS, at("2026-11-24 07:00"), TZ) == ShiftOccurrence(NIGHT, MONDAY)


def test_occurrence_keys_round_trip_and_unknown_shifts_give_none() -> None:
    occ = ShiftOccurrence(NIGHT, MONDAY)
    assert occ_key(occ) == "night:2026-11-23"
    assert occ_from_key("night:2026-11-23", SHIFTS) == occ
    assert occ_from_key("gone:2026-11-23", SHIFTS) is None


def test_an_item_written_before_login_is_due_for_acknowledgement_after_login() -> None:
    login = at("2026-11-24 08:40")
    after = timedelta(minutes=15)
    assert ack_due(at("2026-11-24 00:10"), login, after) == at("2026-11-24 08:55")
    assert ack_due(at("2026-11-24 09:30"), login, after) == at("2026-11-24 09:45")


# ---- acknowledgement, closing, rollover -------------------------------------------------------


def test_acknowledging_twice_is_harmless() -> None:
    item = make_item()
    assert item.acknowledge(5, "5号 赵六", at("2026-11-23 17:05")) is True
    assert item.acknowledge(6, "6号 钱七", at("2026-11-23 17:06")) is False
    assert item.acked_by == "5号 赵六"


def test_closing_twice_is_refused_and_closing_records_who_and_when() -> None:
    item = make_item()
    item.close(6, "6号 钱七", at("2026-11-23 18:00"), "已回复")
    assert item.done and item.done_by == "6号 钱七" and item.done_note == "已回复"
    assert item.acked_by == "6号 钱七"  # closing without acknowledging takes it over too
    with pytest.raises(UserError, match="已由 6号 钱七 处理过了"):
        item.close(5, "5号 赵六", at("2026-11-23 18:01"))


def test_an_open_item_rolls_over_to_the_next_shift_with_a_count_and_must_be_taken_again() -> None:
    item = make_item()
    item.acknowledge(5, "5号 赵六", at("2026-11-23 17:05"))
    item.roll_over(
        "day:2026-11-24", at("2026-11-24 08:40"), at("2026-11-24 00:30"), timedelta(minutes=15)
    )
    assert item.to_occ == "day:2026-11-24" and item.rollovers == 1
    assert not item.acked
    assert item.ack_due == at("2026-11-24 08:55")
    item.roll_over(
        "night:2026-11-24", at("2026-11-24 16:30"), at("2026-11-24 17:30"), timedelta(minutes=15)
    )
    assert item.rollovers == 2
    assert item.ack_due == at("2026-11-24 17:45")  # its shift had started: from the rollover
    assert [e["event"] for e in item.log] == ["ack", "rollover", "rollover"]


def test_the_lead_hears_once_and_only_about_items_nobody_took_over() -> None:
    item = make_item()
    assert not item.needs_alert("night:2026-11-23", at("2026-11-23 17:14"))
    assert item.needs_alert("night:2026-11-23", at("2026-11-23 17:15"))
    item.alerted_for = "night:2026-11-23"
    assert not item.needs_alert("night:2026-11-23", at("2026-11-23 18:00"))
    item.roll_over(
        "day:2026-11-24", at("2026-11-24 08:40"), at("2026-11-24 00:30"), timedelta(minutes=15)
    )
    assert item.needs_alert("day:2026-11-24", at("2026-11-24 08:55"))  # rolled over, not taken
    item.acknowledge(2, "2号 李四", at("2026-11-24 08:45"))
    assert not item.needs_alert("day:2026-11-24", at("2026-11-24 08:55"))  # taken over


def test_only_the_receiving_shift_the_assignee_or_a_lead_may_take_an_item_over() -> None:
    item = make_item()
    assert item.may_acknowledge(AGENT, on_receiving_shift=True)
    assert not item.may_acknowledge(AGENT, on_receiving_shift=False)
    assert item.may_acknowledge(LEAD, on_receiving_shift=False)
    other = Member(user_id=6, work_no="6", name="钱七", shift="night")
    item.reassign(
        other,
        "night:2026-11-23",
        at("2026-11-23 16:30"),
        at("2026-11-23 17:10"),
        timedelta(minutes=15),
        "80号 李组长",
    )
    assert not item.may_acknowledge(AGENT, on_receiving_shift=True)
    assert item.may_acknowledge(other, on_receiving_shift=True)
    assert item.ack_due == at("2026-11-23 17:25")


# ---- posts in the team chat ---------------------------------------------------------------


def test_a_long_list_is_split_by_length_and_every_item_is_in_exactly_one_part() -> None:
    items = [make_item(id=n, text=f"第{n}项" + "字" * 290) for n in range(1, 11)]
    parts = fmt.post_parts("📋 交接班：晚班 11-23 上班", "night:2026-11-23", items, TZ, SHIFTS)
    assert len(parts) == 2
    assert parts[0][0] == "📋 交接班：晚班 11-23 上班"
    assert parts[1][0] == "📋 晚班 11-23 的交接（续）："
    assert [i.id for _, part in parts for i in part] == list(range(1, 11))
    for heading, part in parts:
        assert len(fmt.post(heading, [(i, True) for i in part], TZ, SHIFTS)) <= fmt.LIST_CHARS


def test_a_list_shows_items_posted_again_elsewhere_as_moved_and_never_exceeds_telegram() -> None:
    moved, live = make_item(id=1, rollovers=1), make_item(id=2, done_note="说明" * 3000)
    live.close(5, "5号 赵六", at("2026-11-23 18:00"), live.done_note)
    text = fmt.post("📋 交接班：晚班 11-23 上班", [(moved, False), (live, True)], TZ, SHIFTS)
    assert "#1 【顺延×1】客户问尺码\n   2号 李四 写 · ⏳ 待接收\n   （已重新发出" in text
    assert len(text) == TELEGRAM_LIMIT and text.endswith("…")


def test_a_list_says_how_far_its_items_got_once_any_moved_on() -> None:
    now = at("2026-11-23 17:40")
    waiting, taken = make_item(id=1), make_item(id=2, acked_at=now)
    closed = make_item(id=3, acked_at=now, done_at=now)
    assert fmt.progress([waiting, make_item(id=4)]) is None  # a fresh list says nothing more
    assert fmt.progress([waiting, taken, closed]) == (
        "进度：已处理 1 项，已接收待处理 1 项，待接收 1 项。"
    )
    assert fmt.progress([closed, make_item(id=5, done_at=now)]) == "✅ 本清单已全部处理。"
    text = fmt.post(
        "📋 交接班：晚班 11-23 上班，共 2 项交接。", [(taken, True), (closed, False)], TZ, SHIFTS
    )
    assert text.endswith(
        "进度：已接收待处理 1 项。"
    )  # an item moved to a newer list is not counted
