"""The daily C/B review sends each card once and then one line of what is still waiting."""

from __future__ import annotations

import pytest

from bot.domain.errors import Refusal
from bot.domain.text import UNCONFIRMED
from bot.persistence.timers import Timer
from bot.services.deadlines.alerts import REVIEW
from tests.harness import Crash
from tests.services.test_deadlines import Rig, rig  # noqa: F401  (the fixture)


async def test_a_c_review_card_is_sent_once_and_later_days_get_one_waiting_line(
    rig: Rig,  # noqa: F811
) -> None:
    agent, lead = rig.member("2"), rig.member("80")
    rig.ds.open_followup(agent, "王先生", ["只是看看", "C"], rig.clock.now())
    await rig.tick_at("16:00")
    assert [keyboard is not None for _, _, keyboard in rig.cards.sent] == [False, True]
    rig.cards.sent.clear()
    await rig.tick_at("2026-11-24 16:00")
    queued = await rig.tick_at("2026-11-25 16:00")
    assert rig.cards.sent == []  # no card again
    waiting = [note for note in queued if note.text.startswith("⏳")]
    assert [note.text for note in waiting] == [
        "⏳ 仍待复核 1 位（请在之前发出的卡片上选择）：#1 王先生（C 类）"
    ] * 2
    assert all(note.recipient == {"user": lead.user_id} for note in waiting)


async def test_the_waiting_line_is_queued_once_when_the_review_runs_again_after_a_stop(
    rig: Rig,  # noqa: F811
) -> None:
    agent = rig.member("2")
    rig.ds.open_followup(agent, "王先生", ["只是看看", "C"], rig.clock.now())
    await rig.tick_at("16:00")
    rig.clock.set(rig.at("2026-11-24 16:00"))
    timer = Timer("deadlines:review:2026-11-24", REVIEW, rig.clock.now())
    await rig.ds.review.on_review(timer, False)
    await rig.ds.review.on_review(timer, False)  # the timer stays until its work is done
    queued = rig.scheduler.outbox.due(rig.clock.now())
    assert [note.text[:8] for note in queued if note.text.startswith("⏳")] == ["⏳ 仍待复核 1"]


async def test_a_decided_review_leaves_nothing_waiting_the_next_day(
    rig: Rig,  # noqa: F811
) -> None:
    agent, lead = rig.member("2"), rig.member("80")
    rig.ds.open_followup(agent, "王先生", ["只是看看", "C"], rig.clock.now())
    await rig.tick_at("16:00")
    assert rig.ds.decide_review(lead, 1, "stop", rig.clock.now()).answer == "已确认无需跟进。"
    rig.cards.sent.clear()
    await rig.tick_at("2026-11-24 16:00")
    assert rig.cards.sent == []


async def test_an_early_lost_report_sends_the_lead_a_card_and_waits_in_the_daily_line(
    rig: Rig,  # noqa: F811
) -> None:
    agent, lead = rig.member("2"), rig.member("80")
    rig.ds.open_followup(agent, "张女士", ["价格"], rig.clock.now())
    reply = await rig.ds.lost(agent, "张女士", "买了别家", rig.clock.now())
    assert "不足 3 次" in reply and "组长确认" in reply
    [(to, text, keyboard)] = rig.cards.sent
    assert to == lead and "流失复核 #1" in text and keyboard is not None
    rig.cards.sent.clear()
    queued = await rig.tick_at("16:00")
    assert rig.cards.sent == []
    assert [note.text for note in queued if note.text.startswith("⏳")] == [
        "⏳ 仍待复核 1 位（请在之前发出的卡片上选择）：#1 张女士（A 类）"
    ]
    decided = rig.ds.decide_review(lead, 1, "stop", rig.clock.now())
    assert decided.answer == "已确认流失。" and rig.ds.items.all() == []


async def test_a_bare_name_shared_by_two_customers_changes_nothing_and_lists_them(
    rig: Rig,  # noqa: F811
) -> None:
    agent = rig.member("2")
    now = rig.clock.now()
    rig.ds.open_followup(agent, "张女士-8812", ["价格"], now)
    rig.ds.open_followup(agent, "张女士 3301", ["价格"], now)
    with pytest.raises(Refusal) as refused:
        rig.ds.record_visit(agent, "张女士", "", now)
    assert "#1 张女士-8812" in str(refused.value) and "#2 张女士 3301" in str(refused.value)
    assert [len(i.visits) for i in rig.ds.items.all()] == [0, 0]


@pytest.mark.parametrize("sends_before_the_stop", [1, 2])
async def test_a_review_card_cut_off_by_a_stop_comes_again_marked_never_twice_unmarked(
    rig: Rig,  # noqa: F811
    sends_before_the_stop: int,
) -> None:
    agent = rig.member("2")
    rig.ds.open_followup(agent, "王先生", ["只是看看", "C"], rig.clock.now())
    rig.clock.set(rig.at("16:00"))
    timer = Timer("deadlines:review:2026-11-23", REVIEW, rig.clock.now())
    rig.cards.crash_at = sends_before_the_stop  # 1: after the heading, 2: after the card
    with pytest.raises(Crash):
        await rig.ds.review.on_review(timer, False)
    await rig.ds.review.on_review(timer, False)  # the timer stays until its work is done
    cards = [text for _, text, keyboard in rig.cards.sent if keyboard is not None]
    assert cards and cards[0].startswith("C 类客户复核 #1")
    assert all(text.endswith(UNCONFIRMED) for text in cards[1:])
    assert len(cards) == sends_before_the_stop  # cut off before it: once, marked
    assert [i.review for i in rig.ds.items.all()] == ["asked"]
