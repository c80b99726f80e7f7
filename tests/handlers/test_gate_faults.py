"""The gate and the replies when Telegram fails: nobody let in, no work lost, no false apology."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import TimedOut

from bot.domain.text import UNCONFIRMED
from bot.transport.local import LocalRequest
from tests.handlers.test_checkin import LEAD, lead_texts, sample
from tests.handlers.test_handover import answers, cards, repo
from tests.harness import Harness

STRANGER = 555001
SERVICE_USER = 777000


def _apologies(bot: Harness) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in bot.api.calls
        if "错误码" in str(c.params.get("text", ""))
    ]


def _forwarded(bot: Harness, who: str, text: str) -> dict[str, Any]:
    update = bot.updates.message(bot.person(who), bot.settings.team_chat, text)
    update["message"]["forward_origin"] = {
        "type": "user",
        "date": update["message"]["date"],
        "sender_user": {"id": 424242, "is_bot": False, "first_name": "外人"},
    }
    return update


# ---- the gate ------------------------------------------------------------------------------


async def test_a_stranger_s_inline_query_gets_nothing_even_when_the_refusal_fails(
    bot: Harness,
) -> None:
    bot.api.fail("answerInlineQuery", 500, "Internal Server Error")
    calls = await bot.process(bot.updates.inline_query(bot.person(STRANGER), "包邮"))
    assert [c.method for c in calls] == ["answerInlineQuery"]
    assert calls[0].params.get("results") in (None, "[]", [])
    bot.assert_clean()


async def test_a_stranger_s_press_never_reaches_handover_when_the_answer_fails(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    bot.api.fail("answerCallbackQuery", 500, "Internal Server Error")
    calls = await bot.press(STRANGER, card, "已接收")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert not repo(bot).get(1).acked
    bot.assert_clean()


async def test_a_forwarded_remove_from_an_admin_does_nothing(bot: Harness) -> None:
    calls = await bot.process(_forwarded(bot, "90", "/remove 3"))
    assert calls == []
    assert bot.svc.members.by_work_no("3") is not None
    assert not bot.svc.members.by_work_no("3").removed


async def test_an_alias_addressed_to_another_bot_records_nothing(bot: Harness) -> None:
    await bot.advance("2026-11-23 16:50")
    calls = await bot.send("2", "/交接@otherbot 客户问发票")
    assert calls == []
    assert repo(bot).open_items() == []


async def test_a_linked_channel_s_automatic_forward_cannot_join(bot: Harness) -> None:
    calls = await bot.send(SERVICE_USER, "/join 7 频道")
    assert calls == []
    assert bot.svc.members.request(SERVICE_USER) is None


async def test_buttons_that_match_no_handler_are_answered(bot: Harness) -> None:
    message = {"message_id": 1, "date": 0, "chat": bot.api.chat(bot.settings.team_chat)}
    for data in ("handover:ack:abc", "xyz:1"):
        calls = await bot.process(bot.updates.press(bot.person("1"), message, data))
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "已失效" in str(calls[0].params.get("text"))
    bot.assert_clean()


# ---- /join throttling ------------------------------------------------------------------------


def _join_cards(calls: list) -> list:
    return [
        c
        for c in calls
        if c.method in ("sendMessage", "editMessageText")
        and any(str(b.get("callback_data", "")).startswith("join:") for b in c.buttons)
    ]


async def test_a_second_join_before_the_first_is_decided_makes_no_new_card(
    bot: Harness,
) -> None:
    first = await bot.send(STRANGER, "/join 7 王小明")
    again = await bot.send(STRANGER, "/join 8 王小明")
    assert len(_join_cards(first)) == 1 and _join_cards(again) == []
    assert "请勿重复申请" in bot.texts(again)[0]
    assert bot.svc.members.request(STRANGER).work_no == "7"


async def test_thirty_strangers_make_five_cards_and_one_shared_card(bot: Harness) -> None:
    per_hour = bot.settings.join_per_hour
    posted = []
    for n in range(30):
        posted += await bot.send(STRANGER + n, f"/join {20 + n} 新人{n}")
    sent = [c for c in posted if c.method == "sendMessage"]
    assert len(sent) == per_hour + 1
    shared = [c for c in _join_cards(posted) if "合并" in c.text]
    assert "新人29（工号 49）" in shared[-1].text
    assert len(shared[-1].buttons) == 2 * (30 - per_hour)
    assert len(bot.svc.members.requests()) == 30


async def test_approving_from_the_shared_card_keeps_the_others_on_it(bot: Harness) -> None:
    for n in range(bot.settings.join_per_hour + 2):
        await bot.send(STRANGER + n, f"/join {20 + n} 新人{n}")
    [card] = [c for c in bot.api.calls if c.method == "sendMessage" and "合并" in c.text]
    calls = await bot.press("80", card, "批准 新人5")
    assert bot.svc.members.get(STRANGER + 5) is not None
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "新人6" in edited.text and "新人5" not in edited.text
    bot.assert_clean()


async def test_a_new_hour_gives_each_request_its_own_card_again(bot: Harness) -> None:
    for n in range(bot.settings.join_per_hour + 1):
        await bot.send(STRANGER + n, f"/join {20 + n} 新人{n}")
    await bot.advance("2026-11-23 09:31")
    calls = await bot.send(STRANGER + 99, "/join 99 新人99")
    [card] = _join_cards(calls)
    assert card.method == "sendMessage" and "申请加入团队" in card.text


# ---- work before the reply -----------------------------------------------------------------


async def test_a_check_in_whose_confirmation_fails_still_alerts_the_lead_of_reuse(
    bot: Harness,
) -> None:
    bot.api.started.add(LEAD)
    await bot.advance("2026-11-23 08:44")
    await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
    await bot.advance("2026-11-23 08:55")
    bot.api.fail("sendMessage", 502, "Bad Gateway", chat_id=bot.settings.team_chat)
    calls = await bot.send("3", "/checkin", photo=sample("checkin-reused.png"))
    assert bot.svc.checkin.repo.get(bot.svc.today(), "day", "3") is not None
    assert any("疑似重复" in t or "相似" in t for t in lead_texts(bot, calls))
    assert _apologies(bot) == []
    bot.assert_clean()


async def test_an_item_closed_while_the_button_answer_fails_shows_closed_without_apology(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-23 16:50")
    [card] = cards(await bot.send("2", "/handover 客户问发票"))
    [taken] = [c for c in await bot.press("5", card, "已接收") if c.method == "editMessageText"]
    bot.api.fail("answerCallbackQuery", 502, "Bad Gateway")
    calls = await bot.press("5", taken, "已处理")
    assert repo(bot).find_closed(1).done_by == "5号 赵六"
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "已处理" not in [b["text"] for b in edited.buttons]
    assert answers(calls) == [answers(calls)[0]]  # the one failed answer, no apology after it
    assert _apologies(bot) == []
    bot.assert_clean()


# ---- delivery: a timeout after Telegram took the message ------------------------------------


async def test_a_reminder_whose_answer_timed_out_is_resent_flagged_as_possibly_repeated(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang = bot.svc.members.by_work_no("1").user_id
    bot.api.started.add(zhang)
    real = LocalRequest.do_request
    left = [1]

    async def timing_out(self: LocalRequest, url: str, *args: Any, **kwargs: Any) -> Any:
        answer = await real(self, url, *args, **kwargs)
        if url.endswith("/sendMessage") and left[0]:
            left[0] -= 1
            raise TimedOut  # Telegram showed it; its answer never came
        return answer

    monkeypatch.setattr(LocalRequest, "do_request", timing_out)
    bot.svc.scheduler.notify({"user": zhang}, "T1 交接提醒", key="t1")
    await bot.svc.scheduler.run_due()
    await bot.advance("2026-11-23 08:45")
    shown = [c.text for c in bot.api.calls if c.chat_id == zhang and "T1" in c.text]
    assert shown == ["T1 交接提醒", f"T1 交接提醒{UNCONFIRMED}"]
