"""The daily C/B review sends each card once and then one line of what is still waiting."""

from __future__ import annotations

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
    await rig.tick_at("2026-11-25 16:00")
    assert [keyboard for _, _, keyboard in rig.cards.sent] == [None, None]
    assert [text for _, text, _ in rig.cards.sent] == [
        "⏳ 仍待复核 1 位（请在之前发出的卡片上选择）：#1 王先生（C 类）"
    ] * 2
    assert all(to == lead for to, _, _ in rig.cards.sent)


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
