"""Shift handover through the real application: writing, buttons, timers, history."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.shifts import ShiftOccurrence
from bot.persistence.handover import HandoverRepo
from bot.persistence.storage import JournalStorage
from bot.transport.local import Sent
from tests.harness import Harness

STRANGER = 555001


def repo(bot: Harness) -> HandoverRepo:
    return bot.svc.handover.repo


def cards(calls: list[Sent]) -> list[Sent]:
    """Return the item cards the bot posted (messages with handover buttons)."""
    return [
        c
        for c in calls
        if c.method == "sendMessage"
        and any(str(b.get("callback_data", "")).startswith("handover:") for b in c.buttons)
    ]


def answers(calls: list[Sent]) -> list[str]:
    return [str(c.params.get("text", "")) for c in calls if c.method == "answerCallbackQuery"]


def user_id(bot: Harness, work_no: str) -> int:
    return bot.svc.members.by_work_no(work_no).user_id


async def checkin(bot: Harness, work_no: str, shift: str, day: str, when: str) -> None:
    member = bot.svc.members.by_work_no(work_no)
    occ = ShiftOccurrence(bot.settings.shift(shift), bot.at(f"{day} 00:00").date())
    await bot.svc.events.emit("checkin.recorded", member=member, occurrence=occ, at=bot.at(when))


# ---- writing -------------------------------------------------------------------------------


async def test_writing_items_shows_them_back_parsed_and_records_author_and_shift(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    calls = await bot.send(
        "2", "/handover !急 客户：小王 订单号：3344556677889 要求改地址\n淘宝C店1 问尺码未回复"
    )
    reply = bot.texts(calls)[0]
    assert "已记录 2 项交接（白班 11-23 → 晚班 11-23）" in reply
    assert "#1 【急】客户：小王" in reply
    assert "订单号：3344556677889 · 客户：小王" in reply
    assert "急件在接班后 60 分钟内未处理会通知组长" in reply
    [first, second] = repo(bot).open_items()
    assert first.author == "2号 李四" and first.author_id == user_id(bot, "2")
    assert (first.from_occ, first.to_occ) == ("day:2026-11-23", "night:2026-11-23")
    assert first.created_at == bot.at("2026-11-23 16:50")
    assert first.urgent and not second.urgent
    # The night shift is already on: both items are posted at once with their buttons.
    posted = cards(calls)
    assert len(posted) == 2
    assert [b["text"] for b in posted[0].buttons] == ["已接收", "已处理"]


async def test_the_alias_works_and_phone_numbers_are_masked_in_the_group(bot: Harness) -> None:
    calls = await bot.send("2", "/交接 回电客户 13812345678 确认颜色")
    assert "138****5678" in bot.texts(calls)[0]
    assert repo(bot).open_items()[0].text == "回电客户 13812345678 确认颜色"
    private = await bot.send("2", "/handover", private=True)
    assert "13812345678" in bot.texts(private)[0]


async def test_empty_handover_text_gets_the_usage_and_stores_nothing(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("2", "/handover !急"))
    assert "交接事项不能只有标记" in text and "用法：" in text
    [text] = bot.texts(await bot.send("2", "/handover " + "很长" * 200))
    assert "不超过 300 字" in text
    assert repo(bot).open_items() == []


async def test_nothing_to_hand_over_is_recorded_and_refused_after_writing_items(
    bot: Harness,
) -> None:
    [text] = bot.texts(await bot.send("3", "/handover 无"))
    assert "已登记：3号 王五 在 白班 11-23 没有需要交接的事项" in text
    await bot.send("2", "/handover 客户问发票")
    [text] = bot.texts(await bot.send("2", "/交接 无"))
    assert "已写了交接事项" in text


async def test_listing_shows_open_items_for_this_shift_and_the_next(bot: Harness) -> None:
    assert "目前没有未完成的交接事项" in bot.texts(await bot.send("2", "/handover"))[0]
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    [text] = bot.texts(await bot.send("5", "/handover"))
    assert "交给本班（晚班 11-23）的事项：" in text
    assert "#1 客户问发票" in text and "2号 李四 写 · ⏳ 待接收" in text


# ---- taking over -----------------------------------------------------------------------------


async def test_pressing_twice_is_harmless_and_the_card_shows_who_took_it(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    first = await bot.press("5", card, "已接收")
    assert answers(first) == ["已接收 #1。"]
    edited = [c for c in first if c.method == "editMessageText"]
    assert "已接收（5号 赵六" in edited[0].text
    assert [b["text"] for b in edited[0].buttons] == ["已处理"]
    second = await bot.press("6", card, "已接收")
    assert answers(second) == ["#1 已由 5号 赵六 接收过了。"]
    item = repo(bot).get(1)
    assert item.acked_by == "5号 赵六"
    assert [e["event"] for e in item.log] == ["write", "ack"]


async def test_several_items_are_acknowledged_with_one_command(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票\n买家要求换货\n补发赠品")
    calls = await bot.send("5", "/handover ack 1，2 #3 7")
    [text] = [c.text for c in calls if c.method == "sendMessage"]
    assert text.splitlines() == [
        "已接收 #1。",
        "已接收 #2。",
        "已接收 #3。",
        "找不到交接 #7（发送 /handover 查看未完成的事项）。",
    ]
    assert all(i.acked_by == "5号 赵六" for i in repo(bot).open_items())


async def test_a_stranger_pressing_a_button_is_refused_and_nothing_changes(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    calls = await bot.press(STRANGER, card, "已接收")
    assert answers(calls) == ["仅限团队成员操作。"]
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert not repo(bot).get(1).acked


async def test_an_agent_of_another_shift_cannot_take_an_item_over(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    calls = await bot.press("3", card, "已接收")
    assert "只有接班同事、交接人或组长可以操作" in answers(calls)[0]
    assert not repo(bot).get(1).acked
    # The author may close their own item, e.g. after solving it before leaving.
    assert answers(await bot.press("2", card, "已处理")) == ["已处理 #1。"]


async def test_done_by_command_records_who_when_and_why_and_closing_twice_is_refused(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    await bot.advance("2026-11-23 17:20")
    [text] = bot.texts(
        [c for c in await bot.send("6", "/handover done 1 已开票") if c.method == "sendMessage"]
    )
    assert text == "已处理 #1。"
    assert repo(bot).get(1) is None  # closed items leave the live file
    closed = repo(bot).find_closed(1)
    assert closed.done_by == "6号 钱七" and closed.done_note == "已开票"
    assert closed.done_at == bot.at("2026-11-23 17:20")
    [again] = bot.texts(await bot.send("5", "/handover done #1"))
    assert again == "#1 已由 6号 钱七 处理过了，无需重复操作。"


async def test_pressing_done_on_an_item_closed_by_command_changes_nothing(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    await bot.send("6", "/handover done 1")
    calls = await bot.press("5", card, "已处理")
    assert answers(calls) == ["#1 已由 6号 钱七 处理过了。"]
    assert repo(bot).find_closed(1).done_by == "6号 钱七"


async def test_unknown_numbers_and_bad_subcommands_get_clear_answers(bot: Harness) -> None:
    assert "找不到交接 #99" in bot.texts(await bot.send("5", "/handover done 99"))[0]
    [text] = bot.texts(await bot.send("5", "/handover done"))
    assert "请写上事项编号" in text and "用法：" in text
    assert "编号应为数字" in bot.texts(await bot.send("5", "/handover ack abc"))[0]
    [text] = bot.texts(await bot.send("5", "/handover history 上周"))
    assert "日期格式不对" in text and "用法：" in text
    assert "转交需要编号和工号" in bot.texts(await bot.send("5", "/handover reassign 1"))[0]
    assert bot.texts(await bot.send("5", "/handover help"))[0].startswith("用法：")
    assert repo(bot).open_items() == []


async def test_reassign_gives_the_item_to_one_member_who_alone_takes_it_over(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    assert "没有工号为 42 的成员" in bot.texts(await bot.send("80", "/handover reassign 1 42"))[0]
    calls = await bot.send("80", "/handover reassign 1 6")
    assert any("已转交给 6号 钱七（晚班 11-23）" in t for t in bot.texts(calls))
    assert any("把交接 #1 转交给您" in t for t in bot.texts(calls))
    refused = await bot.press("5", card, "已接收")
    assert "已转交给 6号 钱七" in answers(refused)[0]
    assert answers(await bot.press("6", card, "已接收")) == ["已接收 #1。"]


async def test_the_lead_hears_again_when_a_reassigned_item_is_not_taken_over(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    first = await bot.advance("2026-11-23 17:05")
    assert sum("交接未接收提醒" in t for t in bot.texts(first)) == 1
    await bot.send("80", "/handover reassign 1 6")
    quiet = await bot.advance("2026-11-23 17:19")
    assert not any("交接未接收提醒" in t for t in bot.texts(quiet))
    again = await bot.advance("2026-11-23 17:20")
    [alert] = [t for t in bot.texts(again) if "交接未接收提醒" in t]
    assert "⏳ 待 6号 钱七 接收" in alert


async def test_reassigning_to_an_agent_off_tonight_moves_the_item_to_their_next_shift(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    await bot.send("80", "/handover reassign 1 1")  # 张三 is off on Monday, back Tuesday
    item = repo(bot).get(1)
    assert item.to_occ == "day:2026-11-24" and item.assignee == "1号 张三"
    calls = await bot.advance("2026-11-24 08:40")
    assert len(cards(calls)) == 1


# ---- timers ------------------------------------------------------------------------------------


async def test_agents_who_wrote_nothing_are_reminded_thirty_minutes_before_the_end(
    bot: Harness,
) -> None:
    bot.api.started.update({user_id(bot, "2"), user_id(bot, "3")})
    await bot.send("3", "/handover 无")
    calls = await bot.advance("2026-11-23 17:00")
    reminded = [c.chat_id for c in calls if "交接提醒：白班 17:30 下班" in c.text]
    assert reminded == [user_id(bot, "2")]


async def test_the_night_shift_is_reminded_at_midnight_although_it_ends_the_next_day(
    bot: Harness,
) -> None:
    bot.api.started.add(user_id(bot, "6"))
    early = await bot.advance("2026-11-23 23:59")
    assert not any("交接提醒：晚班" in t for t in bot.texts(early))
    calls = await bot.advance("2026-11-24 00:00")
    private = [c.chat_id for c in calls if "交接提醒：晚班 00:30 下班" in c.text and c.chat_id > 0]
    assert private == [user_id(bot, "6")]
    mentioned = [t for t in bot.texts(calls) if "赵六</a>（未开启私聊" in t and "交接提醒" in t]
    assert mentioned  # 赵六 never started a private chat: mentioned in the team chat


async def test_a_checked_in_agent_gets_one_private_list_with_a_button_row_per_item(
    bot: Harness,
) -> None:
    bot.api.started.add(user_id(bot, "2"))
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", "/handover 客户问发票\n买家要求换货")
    await bot.advance("2026-11-24 08:40")
    before = len(bot.api.calls)
    await checkin(bot, "2", "day", "2026-11-24", "2026-11-24 08:45")
    [dm] = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
    assert [b["text"] for b in dm.buttons] == ["接收 #1", "处理 #1", "接收 #2", "处理 #2"]
    pressed = await bot.press("2", dm, "处理 #2")
    assert answers(pressed) == ["已处理 #2。"]
    [edit] = [c for c in pressed if c.method == "editMessageText" and c.chat_id > 0]
    assert "✅ 已处理（2号 李四" in edit.text
    assert [b["text"] for b in edit.buttons] == ["接收 #1", "处理 #1"]


async def test_night_items_are_posted_at_the_morning_login_and_sent_on_check_in(
    bot: Harness,
) -> None:
    bot.api.started.add(user_id(bot, "2"))
    await bot.advance("2026-11-23 23:00")
    calls = await bot.send("5", "/handover 京东自营店 买家要求换货 !急")
    assert "白班 08:40 上班时会发到团队群" in bot.texts(calls)[0]
    assert cards(calls) == []
    calls = await bot.advance("2026-11-24 08:40")
    assert any("白班 11-24 上班，共 1 项交接，急件 1 项" in t for t in bot.texts(calls))
    assert len(cards(calls)) == 1
    before = len(bot.api.calls)
    await checkin(bot, "2", "day", "2026-11-24", "2026-11-24 08:45")
    [dm] = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
    assert dm.chat_id == user_id(bot, "2")
    assert "交给 白班 11-24 的交接共 1 项" in dm.text
    assert [b["text"] for b in dm.buttons] == ["已接收", "已处理"]
    pressed = await bot.press("2", dm, "已接收")
    assert answers(pressed) == ["已接收 #1。"]
    assert any("👌 已接收（2号 李四" in c.text for c in pressed if c.method == "editMessageText")


async def test_an_agent_who_never_started_the_bot_is_mentioned_in_the_group_on_check_in(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", "/handover 买家要求换货")
    await bot.advance("2026-11-24 08:40")
    before = len(bot.api.calls)
    await checkin(bot, "3", "day", "2026-11-24", "2026-11-24 08:45")
    await bot.svc.scheduler.run_due()
    texts = bot.texts(bot.api.calls[before:])
    assert any("王五" in t and "交给 白班 11-24 的交接共 1 项" in t for t in texts)
    assert bot.svc.members.by_work_no("3").can_dm is False


async def test_the_lead_is_alerted_once_about_unacknowledged_items(bot: Harness) -> None:
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", "/handover 客户问发票\n买家要求换货")
    await bot.advance("2026-11-24 08:45")
    await bot.send("2", "/handover ack 1")
    calls = await bot.advance("2026-11-24 08:55")
    [alert] = [t for t in bot.texts(calls) if "交接未接收提醒" in t]
    assert "李组长" in alert  # the day lead, mentioned: never started a private chat
    assert "#2 买家要求换货" in alert and "#1 " not in alert
    later = await bot.advance("2026-11-24 12:00")
    assert not any("交接未接收提醒" in t for t in bot.texts(later))


async def test_an_urgent_item_not_done_in_time_is_escalated_once(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover !急 客户要求今晚改地址\n!急 买家催发票")
    await bot.send("5", "/handover done 2 已开")
    calls = await bot.advance("2026-11-23 17:50")
    [escalation] = [t for t in bot.texts(calls) if "急件超过 60 分钟未处理" in t]
    assert "#1 【急】客户要求今晚改地址" in escalation and "#2" not in escalation
    later = await bot.advance("2026-11-23 23:00")
    assert not any("急件超过" in t for t in bot.texts(later))


async def test_open_items_roll_over_after_midnight_and_are_posted_next_morning(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    await bot.send("5", "/handover ack 1")
    calls = await bot.advance("2026-11-24 00:30")
    item = repo(bot).get(1)
    assert item.to_occ == "day:2026-11-24" and item.rollovers == 1 and not item.acked
    assert any("【顺延×1】" in c.text for c in calls if c.method == "editMessageText")
    calls = await bot.advance("2026-11-24 08:40")
    [card] = cards(calls)
    assert "#1 【顺延×1】客户问发票" in card.text


async def test_an_item_open_for_days_keeps_one_live_card_and_retires_the_old_ones(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    await bot.advance("2026-11-25 08:40")  # posted four times, rolled over three times
    item = repo(bot).get(1)
    assert item.rollovers >= 3 and len(item.cards) == 1
    calls = await bot.advance("2026-11-25 17:30")
    edits = [c for c in calls if c.method == "editMessageText" and "客户问发票" in c.text]
    retired = [c for c in edits if "已重新发出" in c.text]
    assert len(edits) == 1 and len(retired) == 1 and not retired[0].buttons


async def test_a_day_item_still_open_at_the_day_end_rolls_over_to_the_running_night_shift(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", "/handover 客户问发票")
    calls = await bot.advance("2026-11-24 17:30")
    assert any("顺延给 晚班 11-24" in t for t in bot.texts(calls))
    assert "#1 【顺延×1】客户问发票" in cards(calls)[-1].text
    calls = await bot.advance("2026-11-24 17:45")
    assert any("交接未接收提醒（晚班 11-24）" in t for t in bot.texts(calls))


async def test_items_and_their_timers_survive_a_restart(tmp_path: Path) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 23:00") as bot:
        await bot.send("5", "/handover 客户问发票")
        await bot.restart()
        calls = await bot.advance("2026-11-24 08:40")
        assert len(cards(calls)) == 1
        bot.assert_clean()


async def test_a_reminder_missed_while_the_bot_was_down_is_sent_once_after_restart(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 16:50") as bot:
        bot.api.started.add(user_id(bot, "3"))
        await bot.send("2", "/handover 客户问发票")
        bot.clock.set(bot.at("2026-11-23 17:40"))  # down from 16:50 to 17:40
        before = len(bot.api.calls)
        await bot.restart()
        calls = bot.api.calls[before:]
        [reminder] = [c for c in calls if "交接提醒" in c.text and c.chat_id == user_id(bot, "3")]
        assert reminder.text.startswith("【补发】⏰ 交接提醒：白班 17:30 下班")
        await bot.restart()
        again = await bot.advance("2026-11-23 18:00")
        assert not any("交接提醒" in c.text for c in bot.api.calls[before + len(calls) :])
        assert not any("交接提醒" in t for t in bot.texts(again))
        bot.assert_clean()


async def test_a_rollover_missed_while_down_posts_the_item_to_the_running_shift_once(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 16:50") as bot:
        await bot.send("2", "/handover 客户问发票")
        bot.clock.set(bot.at("2026-11-24 09:30"))  # down through the night and the login
        before = len(bot.api.calls)
        await bot.restart()
        calls = bot.api.calls[before:]
        item = repo(bot).get(1)
        assert (item.to_occ, item.rollovers) == ("day:2026-11-24", 1)
        assert any(
            "晚班 11-23 下班，1 项交接未完成，顺延给 白班 11-24" in t for t in bot.texts(calls)
        )
        assert len(cards(calls)) == 1  # posted by the rollover, not again by the login timer
        alert = await bot.advance("2026-11-24 09:45")
        assert any("交接未接收提醒（白班 11-24）" in t for t in bot.texts(alert))
        bot.assert_clean()


# ---- history and storage ----------------------------------------------------------------


async def test_history_shows_who_wrote_took_over_and_closed_each_item(bot: Harness) -> None:
    await bot.send("3", "/handover 无")
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票")
    await bot.advance("2026-11-23 17:05")
    await bot.send("5", "/handover ack 1")
    await bot.advance("2026-11-23 18:00")
    await bot.send("6", "/handover done 1 已开票")
    await bot.advance("2026-11-24 09:00")
    [text] = bot.texts(await bot.send("80", "/handover history 昨天"))
    assert "📚 2026-11-23 交接记录（共 1 项）" in text
    assert "【白班 11-23】" in text
    assert "11-23 16:50 2号 李四（白班 11-23）交给 晚班 11-23" in text
    assert "11-23 17:05 5号 赵六 接收" in text
    assert "11-23 18:00 6号 钱七 处理：已开票" in text
    assert "登记“无交接”：3号 王五（白班 11-23，08:30）" in text
    assert "没有交接记录" in bot.texts(await bot.send("80", "/handover history 11-01"))[0]


async def test_closed_items_move_to_the_monthly_archive(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    await bot.send("2", "/handover 客户问发票\n买家要求换货")
    await bot.send("5", "/handover done 1")
    live = json.dumps(JournalStorage(bot.data_dir / "handover.json").read(), ensure_ascii=False)
    assert "买家要求换货" in live and "客户问发票" not in live
    archived = list(bot.svc.store.archive.read("handover", "2026-11"))
    assert [r["id"] for r in archived] == [1]


# ---- the full day -----------------------------------------------------------------------


async def test_a_full_day_of_handover(bot: Harness) -> None:
    """Day writes three (one urgent); night takes two, finishes one; leftovers go to morning."""
    await bot.advance("2026-11-23 16:50")
    written = await bot.send(
        "2",
        "/交接 !急 客户：小王 订单号：3344556677889 今晚改地址\n"
        "淘宝C店1 买家:tb_abc 问尺码，明早回复\n"
        "京东自营店 退款待审核",
    )
    posted = cards(written)
    assert len(posted) == 3
    urgent_card = next(c for c in posted if "#1" in c.text)
    size_card = next(c for c in posted if "#2" in c.text)
    reminder = await bot.advance("2026-11-23 17:00")
    assert any("王五" in t and "交接提醒" in t for t in bot.texts(reminder))
    await bot.send("3", "/handover 无")
    await bot.press("5", urgent_card, "已接收")
    await bot.press("6", size_card, "已接收")
    done = await bot.press("5", urgent_card, "已处理")
    assert answers(done) == ["已处理 #1。"]
    alerts = await bot.advance("2026-11-23 17:05")
    [alert] = [t for t in bot.texts(alerts) if "交接未接收提醒" in t]
    assert "#3 京东自营店 退款待审核" in alert and "#2" not in alert
    quiet = await bot.advance("2026-11-23 23:59")
    assert not any("急件超过" in t or "交接未接收提醒" in t for t in bot.texts(quiet))
    await bot.advance("2026-11-24 00:30")
    assert [(i.id, i.to_occ, i.rollovers) for i in repo(bot).open_items()] == [
        (2, "day:2026-11-24", 1),
        (3, "day:2026-11-24", 1),
    ]
    morning = await bot.advance("2026-11-24 08:40")
    assert any("顺延 2 项" in t for t in bot.texts(morning))
    [listed] = cards(morning)  # one message for the shift: the heading and both items
    assert "#2 【顺延×1】" in listed.text and "#3 【顺延×1】" in listed.text
    assert [b["text"] for b in listed.buttons] == ["接收 #2", "处理 #2", "接收 #3", "处理 #3"]
    lead = await bot.advance("2026-11-24 08:55")
    [alert] = [t for t in bot.texts(lead) if "交接未接收提醒（白班 11-24）" in t]
    assert "李组长" in alert
    assert "#2 【顺延×1】" in alert and "#3 【顺延×1】" in alert
    [history] = bot.texts(await bot.send("80", "/handover history 11-23"))
    assert "5号 赵六 处理" in history and "未完成，顺延至 白班 11-24" in history
