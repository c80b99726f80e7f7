"""Handover posts in the team chat: one per item per shift, and never twice unsaid."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import bot.persistence.storage as storage
from bot.domain.text import UNCONFIRMED
from bot.transport.local import Sent
from tests.harness import Crash, Harness

NIGHT_ITEMS = "/handover 客户问发票\n买家要求换货\n!急 补发赠品"
TEXTS = {1: "客户问发票", 2: "买家要求换货", 3: "补发赠品"}


def posts(bot: Harness, calls: list[Sent] | None = None) -> list[Sent]:
    """Return the handover posts the team chat received (messages with handover buttons)."""
    return [
        c
        for c in (bot.api.calls if calls is None else calls)
        if c.method == "sendMessage"
        and c.chat_id == bot.settings.team_chat
        and not (isinstance(c.result, dict) and "error" in c.result)
        and any(str(b.get("callback_data", "")).startswith("handover:") for b in c.buttons)
    ]


def showing(bot: Harness, number: int, calls: list[Sent] | None = None) -> list[Sent]:
    """Return the posts that show item ``number``."""
    shown = re.compile(rf"#{number} (?:【[^】]*】)*{TEXTS[number]}")  # 【急】【顺延×1】 marks
    return [c for c in posts(bot, calls) if shown.search(c.text)]


def edits_of(post: Sent, calls: list[Sent]) -> list[Sent]:
    """Return the edits of one posted message."""
    message_id = post.result["message_id"]
    return [
        c
        for c in calls
        if c.method == "editMessageText" and c.params.get("message_id") == message_id
    ]


def labels(call: Sent) -> list[str]:
    return [b["text"] for b in call.buttons]


def rows(call: Sent) -> list[int]:
    """Return how many buttons each row of a message's keyboard holds."""
    markup = call.params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [len(row) for row in markup.get("inline_keyboard", [])]


async def login_posts(bot: Harness, items: str) -> list[Sent]:
    """Let the night shift write ``items`` and return what the day login posts for them."""
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", items)
    return posts(bot, await bot.advance("2026-11-24 08:40"))


# ---- one post per item per shift ---------------------------------------------------------


async def test_the_items_for_a_shift_arrive_at_its_login_as_one_list_with_a_row_of_buttons_each(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 23:00")
    await bot.send("5", NIGHT_ITEMS)
    calls = await bot.advance("2026-11-24 08:40")
    group = [c for c in calls if c.method == "sendMessage" and c.chat_id == bot.settings.team_chat]
    handover = [c for c in group if "交接班" in c.text or re.search(r"#\d", c.text)]
    assert len(handover) == 1  # the heading and every item in one message
    [post] = handover
    assert post.text.startswith("📋 交接班：白班 11-24 上班，共 3 项交接，急件 1 项。")
    for number in TEXTS:
        assert len([c for c in group if f"{TEXTS[number]}\n" in c.text]) == 1
    assert labels(post) == ["接收 #3", "处理 #3", "接收 #1", "处理 #1", "接收 #2", "处理 #2"]
    assert rows(post) == [2, 2, 2]


async def test_pressing_a_button_in_the_list_redraws_the_whole_list_and_closed_items_stay(
    bot: Harness,
) -> None:
    [post] = await login_posts(bot, "/handover 客户问发票\n买家要求换货")
    heading = post.text.split("\n", 1)[0]
    pressed = await bot.press("2", post, "接收 #1")
    [edit] = edits_of(post, pressed)
    assert edit.text.startswith(heading)
    assert "#1 客户问发票\n   5号 赵六 写 · 👌 已接收（2号 李四" in edit.text
    assert "#2 买家要求换货\n   5号 赵六 写 · ⏳ 待接收" in edit.text
    assert labels(edit) == ["处理 #1", "接收 #2", "处理 #2"]
    closed = await bot.send("3", "/handover done 2 已换货")
    [edit] = edits_of(post, closed)
    assert "#2 买家要求换货\n   5号 赵六 写 · ✅ 已处理（3号 王五" in edit.text
    assert "#1 客户问发票\n   5号 赵六 写 · 👌 已接收" in edit.text
    assert labels(edit) == ["处理 #1"]
    pressed = await bot.press("2", post, "处理 #1")
    [edit] = edits_of(post, pressed)
    assert "✅ 已处理（2号 李四" in edit.text and "✅ 已处理（3号 王五" in edit.text
    assert edit.buttons == []
    assert not [c for c in pressed if c.method == "sendMessage"]


async def test_a_button_in_the_list_is_refused_to_an_agent_of_another_shift_and_nothing_changes(
    bot: Harness,
) -> None:
    [post] = await login_posts(bot, NIGHT_ITEMS)
    pressed = await bot.press("6", post, "接收 #1")
    [answer] = [c for c in pressed if c.method == "answerCallbackQuery"]
    assert "只有接班同事、交接人或组长可以操作" in answer.params["text"]
    assert not edits_of(post, pressed) and not bot.svc.handover.repo.get(1).acked


async def test_taking_over_several_items_of_a_list_by_command_edits_the_list_once(
    bot: Harness,
) -> None:
    [post] = await login_posts(bot, NIGHT_ITEMS)
    calls = await bot.send("2", "/handover ack 1 2")
    [edit] = edits_of(post, calls)
    assert edit.text.count("👌 已接收（2号 李四") == 2
    assert labels(edit) == ["接收 #3", "处理 #3", "处理 #1", "处理 #2"]


async def test_more_than_ten_items_are_split_into_lists_that_show_each_item_once(
    bot: Harness,
) -> None:
    items = "\n".join(f"事项{n:02d}" for n in range(1, 13))
    first, second = await login_posts(bot, f"/handover {items}")
    assert first.text.startswith("📋 交接班：白班 11-24 上班，共 12 项")
    assert second.text.startswith("📋 白班 11-24 的交接（续）：")
    assert len(rows(first)) == 10 and len(rows(second)) == 2
    for n in range(1, 13):
        assert [f"#{n} 事项{n:02d}" in c.text for c in (first, second)].count(True) == 1
    pressed = await bot.press("2", second, "接收 #12")
    [edit] = edits_of(second, pressed)
    assert "#11 事项11" in edit.text and "👌 已接收（2号 李四" in edit.text
    assert not edits_of(first, pressed)


async def test_items_rolled_into_a_running_shift_arrive_as_one_list_and_retire_the_old_one(
    bot: Harness,
) -> None:
    [login] = await login_posts(bot, "/handover 客户问发票\n买家要求换货\n补发赠品")
    await bot.send("2", "/handover done 3 已补发")
    calls = await bot.advance("2026-11-24 17:30")
    [rolled] = posts(bot, calls)
    assert rolled.text.startswith("📋 白班 11-24 下班，2 项交接未完成，顺延给 晚班 11-24")
    assert "#1 【顺延×1】客户问发票" in rolled.text and "#2 【顺延×1】买家要求换货" in rolled.text
    [retired] = edits_of(login, calls)  # one edit for the whole old list
    assert retired.text.count("（已重新发出，请在最新消息中操作）") == 2
    assert "#3 补发赠品\n   5号 赵六 写 · ✅ 已处理（2号 李四" in retired.text
    assert retired.buttons == []


async def test_an_item_written_after_the_login_gets_one_card_of_its_own(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    calls = await bot.send("2", "/handover 客户问发票")
    [card] = posts(bot, calls)
    assert card.text.startswith("#1 客户问发票\n交接人：2号 李四")
    assert labels(card) == ["已接收", "已处理"]
    later = await bot.advance("2026-11-23 17:30")
    assert posts(bot, later) == []


# ---- nothing posted twice unsaid ---------------------------------------------------------


def assert_each_shown_once_or_again_marked(bot: Harness) -> None:
    """Every item is in exactly one post, or in two and the second says it may repeat."""
    assert_each_shown_once_or_again_marked_since(bot, None)


def assert_each_shown_once_or_again_marked_since(bot: Harness, first: Sent | None) -> None:
    """The same, counting only the posts from ``first`` on (None: all)."""
    calls = bot.api.calls[bot.api.calls.index(first) :] if first else None
    for number in TEXTS:
        shown = showing(bot, number, calls)
        assert len(shown) in (1, 2), (number, [c.text for c in shown])
        assert not shown[0].text.endswith(UNCONFIRMED)
        if len(shown) == 2:
            assert shown[1].text.endswith(UNCONFIRMED), shown[1].text


async def die_after_telegram_took(bot: Harness, words: str, to: str) -> None:
    """Advance to ``to``, killed right after Telegram took a message with ``words``; restart."""

    def die(call: Sent) -> None:
        if call.method == "sendMessage" and words in call.text:
            bot.api.on_call = None
            raise Crash

    bot.api.on_call = die
    assert await bot.kill_during(to, lambda: None)


async def test_a_kill_after_telegram_took_the_login_list_reposts_it_once_marked(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 23:00") as bot:
        await bot.send("5", NIGHT_ITEMS)
        await die_after_telegram_took(bot, "客户问发票", "2026-11-24 08:40")
        await bot.advance("2026-11-24 08:50")
        for number in TEXTS:
            assert len(showing(bot, number)) == 2
        assert_each_shown_once_or_again_marked(bot)
        [again] = posts(bot)[1:]
        assert again.text.endswith(f"\n{UNCONFIRMED}")
        assert bot.svc.handover.repo.get(1).cards == [[again.chat_id, again.result["message_id"]]]
        pressed = await bot.press("2", again, "接收 #1")
        assert "👌 已接收（2号 李四" in edits_of(again, pressed)[0].text
        await bot.restart()
        await bot.advance("2026-11-24 09:30")
        assert len(posts(bot)) == 2  # never a third time
        bot.assert_clean()


async def test_a_kill_after_telegram_took_a_rollover_list_reposts_it_once_marked(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 23:00") as bot:
        await bot.send("5", NIGHT_ITEMS)
        await bot.advance("2026-11-24 17:00")
        await die_after_telegram_took(bot, "顺延给 晚班 11-24", "2026-11-24 17:30")
        await bot.advance("2026-11-24 18:00")
        rolled, again = posts(bot)[1:]
        assert "顺延给 晚班 11-24" in rolled.text and again.text.endswith(UNCONFIRMED)
        assert_each_shown_once_or_again_marked_since(bot, rolled)


@pytest.mark.parametrize("kill_at", range(1, 21))
async def test_a_kill_at_any_write_around_the_login_post_never_shows_an_item_twice_unmarked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: int
) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 23:00") as bot:
        await bot.send("5", NIGHT_ITEMS)
        await bot.advance("2026-11-24 08:39")
        writes = 0

        def die(stage: str) -> None:
            nonlocal writes
            if stage == "journal-half":  # half a line on disk: this write never happened
                writes += 1
                if writes == kill_at:
                    raise Crash

        monkeypatch.setattr(storage, "pause_hook", die)
        await bot.kill_during("2026-11-24 08:40", monkeypatch.undo)
        await bot.advance("2026-11-24 09:30")
        assert_each_shown_once_or_again_marked(bot)
        assert all(bot.svc.handover.repo.get(n).cards for n in TEXTS)  # its buttons update it
