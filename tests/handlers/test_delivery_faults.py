"""Delivery when Telegram misbehaves: back-off, retry_after, refusals, crashes while sending."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.text import UNCONFIRMED
from bot.persistence.timers import OutboxRepo
from bot.transport.local import Sent
from tests.harness import Harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "data") as harness:
        yield harness


def _uid(bot: Harness, work_no: str) -> int:
    member = bot.svc.members.by_work_no(work_no)
    assert member is not None
    return member.user_id


def _delivered(calls: list[Sent], marker: str) -> list[Sent]:
    return [
        c
        for c in calls
        if c.method == "sendMessage"
        and marker in c.text
        and not (isinstance(c.result, dict) and "error" in c.result)
    ]


def _tries(calls: list[Sent], chat_id: int) -> int:
    return sum(1 for c in calls if c.method == "sendMessage" and c.chat_id == chat_id)


async def _wait(bot: Harness, seconds: float) -> list[Sent]:
    before = len(bot.api.calls)
    target = bot.clock.now() + timedelta(seconds=seconds)
    await bot.svc.scheduler.advance_to(target, bot.clock.set)
    return bot.api.calls[before:]


async def test_a_bad_gateway_for_one_person_holds_up_nobody_else_and_backs_off(
    bot: Harness,
) -> None:
    zhang, li = _uid(bot, "1"), _uid(bot, "2")
    bot.api.started |= {zhang, li}
    bot.api.fail("sendMessage", 502, "Bad Gateway", times=50, chat_id=zhang)
    bot.svc.scheduler.notify({"user": zhang}, "F1 给张三", key="f1:a")
    bot.svc.scheduler.notify({"user": li}, "F1 给李四", key="f1:b")
    calls = await _wait(bot, 0)
    assert [c.chat_id for c in _delivered(calls, "F1")] == [li]
    assert _tries(calls, zhang) == 1
    calls = await _wait(bot, 2)  # the first retry waits at least 2.5 s
    assert _tries(calls, zhang) == 0
    calls = await _wait(bot, 60 * 20)
    # doubling waits (5, 10, 20 … s, at most 10 min) over 20 minutes: a handful, not thousands
    assert 3 <= _tries(calls, zhang) <= 10
    bot.api.faults.clear()
    calls = await _wait(bot, 60 * 11)
    assert [c.text for c in _delivered(calls, "F1")] == ["【补发】F1 给张三"]  # 30 min late


async def test_too_many_requests_is_retried_only_after_telegram_s_wait(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    bot.svc.scheduler.notify({"user": zhang}, "F2 提醒", key="f2")
    await _wait(bot, 0)
    assert _delivered(await _wait(bot, 29), "F2") == []
    assert len(_delivered(await _wait(bot, 2), "F2")) == 1


async def test_a_message_telegram_cannot_parse_goes_again_as_plain_text(bot: Harness) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.api.fail("sendMessage", 400, "Bad Request: can't parse entities: unclosed tag")
    bot.svc.scheduler.notify({"user": zhang}, "F3 <客户> & 订单", key="f3")
    [sent] = _delivered(await _wait(bot, 0), "F3")
    assert sent.text == "F3 <客户> & 订单" and sent.params.get("parse_mode") is None
    assert bot.svc.scheduler.outbox.due(bot.clock.now()) == []


async def test_a_team_chat_that_refuses_is_reported_to_admins_once_and_kept(
    bot: Harness,
) -> None:
    admin = _uid(bot, "90")
    bot.api.started.add(admin)
    team = bot.settings.team_chat
    bot.api.fail("sendMessage", 403, "Forbidden: bot was kicked", times=99, chat_id=team)
    bot.svc.scheduler.notify({"team": True}, "F4 全员提醒", key="f4")
    calls = await _wait(bot, 0)
    calls += await _wait(bot, 60 * 30)
    told = [c for c in calls if c.chat_id == admin and "拒绝了机器人的消息" in c.text]
    assert len(told) == 1 and "1 条提醒已保留" in told[0].text
    assert [n.key for n in bot.svc.scheduler.outbox.due(bot.clock.now() + timedelta(hours=1))]
    bot.api.faults.clear()
    calls = await _wait(bot, 60 * 11)
    assert [c.chat_id for c in _delivered(calls, "F4")] == [team]


class Crash(BaseException):
    """Stands for the process dying right after Telegram accepted the message."""


async def test_a_crash_between_sending_and_marking_resends_once_flagged(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    zhang = _uid(bot, "1")
    bot.api.started.add(zhang)
    bot.svc.scheduler.notify({"user": zhang}, "F5 交接提醒", key="f5")

    def die(*_args: object, **_kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(OutboxRepo, "mark_sent", die)
    with pytest.raises(Crash):
        await _wait(bot, 0)
    monkeypatch.undo()
    before = len(bot.api.calls)
    await bot.restart()
    await _wait(bot, 60)
    resent = _delivered(bot.api.calls[before:], "F5")
    assert [c.text for c in resent] == [f"F5 交接提醒{UNCONFIRMED}"]
    await bot.restart()
    assert _delivered(bot.api.calls[before:], "F5") == resent  # and only once
