"""The stored scheduler alone: timers, planners, the outbox and the manual clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.persistence.store import Store
from bot.persistence.timers import Notification, Timer
from bot.scheduling import Scheduler

START = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


class Rig:
    """A scheduler over a data folder, recording what its handlers and delivery saw."""

    def __init__(self, root: Path, clock: ManualClock) -> None:
        self.clock = clock
        self.store = Store(root)
        self.scheduler = Scheduler(self.store, clock)
        self.ran: list[tuple[str, datetime, bool]] = []
        self.delivered: list[list[tuple[str, bool]]] = []
        self.scheduler.deliver_with(self._deliver)
        self.scheduler.on("test", self._handle)

    async def _handle(self, timer: Timer, late: bool) -> None:
        self.ran.append((timer.key, self.clock.now(), late))

    async def _deliver(self, items: list[tuple[Notification, bool]]) -> None:
        self.delivered.append([(n.key, late) for n, late in items])
        self.scheduler.outbox.mark_sent([n.key for n, _ in items], self.clock.now(), "test")

    async def advance(self, delta: timedelta) -> None:
        await self.scheduler.advance_to(self.clock.now() + delta, self.clock.set)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, ManualClock(START))


async def test_timers_run_in_due_order_each_at_its_own_moment(rig: Rig) -> None:
    rig.scheduler.at("test", START + timedelta(minutes=20), key="b")
    rig.scheduler.at("test", START + timedelta(minutes=10), key="a")
    await rig.advance(timedelta(hours=1))
    assert [(k, t - START, late) for k, t, late in rig.ran] == [
        ("a", timedelta(minutes=10), False),
        ("b", timedelta(minutes=20), False),
    ]
    assert rig.scheduler.timers.pending() == []


async def test_a_timer_is_stored_once_per_key_unless_replaced(rig: Rig) -> None:
    assert rig.scheduler.at("test", START + timedelta(minutes=5), key="k")
    assert not rig.scheduler.at("test", START + timedelta(minutes=9), key="k")
    assert rig.scheduler.at("test", START + timedelta(minutes=7), key="k", replace=True)
    [timer] = rig.scheduler.timers.pending()
    assert timer.due == START + timedelta(minutes=7)


async def test_cancel_drops_timers_by_prefix(rig: Rig) -> None:
    for key in ("handover:1:remind", "handover:1:escalate", "handover:2:remind"):
        rig.scheduler.at("test", START + timedelta(minutes=5), key=key)
    assert rig.scheduler.cancel("handover:1:") == 2
    await rig.advance(timedelta(minutes=10))
    assert [k for k, _, _ in rig.ran] == ["handover:2:remind"]


async def test_a_timer_found_after_downtime_runs_once_marked_late(rig: Rig) -> None:
    rig.scheduler.at("test", START + timedelta(minutes=1), key="late")
    rig.clock.set(START + timedelta(hours=3))  # the bot was down meanwhile
    assert await rig.scheduler.run_due() == 1
    assert await rig.scheduler.run_due() == 0
    assert rig.ran == [("late", START + timedelta(hours=3), True)]


async def test_a_failing_timer_is_logged_dropped_and_the_others_still_run(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_timer: Timer, _late: bool) -> None:
        raise RuntimeError("模板缺少变量")

    rig.scheduler.on("broken", broken)
    rig.scheduler.at("broken", START + timedelta(minutes=1), key="x")
    rig.scheduler.at("test", START + timedelta(minutes=1), key="y")
    with caplog.at_level(logging.ERROR, logger="bot.scheduling"):
        await rig.advance(timedelta(minutes=5))
    assert [k for k, _, _ in rig.ran] == ["y"]
    assert "timer x (broken) failed" in caplog.text and "模板缺少变量" in caplog.text
    assert rig.scheduler.timers.pending() == []  # not retried forever


async def test_a_timer_of_an_unknown_kind_is_dropped_with_an_error(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.scheduler.at("gone", START, key="old-feature")
    with caplog.at_level(logging.ERROR, logger="bot.scheduling"):
        await rig.scheduler.run_due()
    assert "no handler for timer kind 'gone'" in caplog.text
    assert rig.scheduler.timers.pending() == []


def _daily_planner(svc: Rig, start: datetime, end: datetime) -> None:
    """Store a 09:00 UTC timer for every day in the window, keyed by the day."""
    day = start.date()
    while True:
        due = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        if due > end:
            return
        if due >= start:
            svc.scheduler.at("test", due, key=f"daily:{day.isoformat()}")
        day += timedelta(days=1)


async def test_planners_on_overlapping_windows_store_each_timer_once(rig: Rig) -> None:
    rig.scheduler.add_planner(partial(_daily_planner, rig))
    for hour in range(0, 6):
        rig.scheduler.plan(START + timedelta(hours=hour))
    keys = [t.key for t in rig.scheduler.timers.pending("daily:")]
    assert keys == ["daily:2026-11-23", "daily:2026-11-24"]


async def test_a_planned_timer_runs_once_a_day_across_restarts(rig: Rig, tmp_path: Path) -> None:
    rig.scheduler.add_planner(partial(_daily_planner, rig))
    await rig.advance(timedelta(days=1))
    restarted = Rig(tmp_path, rig.clock)  # a new process over the same data folder
    restarted.scheduler.add_planner(partial(_daily_planner, restarted))
    await restarted.scheduler.run_due()
    await restarted.advance(timedelta(days=2))
    ran = [k for k, _, _ in rig.ran + restarted.ran]
    assert ran == ["daily:2026-11-23", "daily:2026-11-24", "daily:2026-11-25"]


async def test_notifications_due_together_are_delivered_in_one_batch_once(rig: Rig) -> None:
    for key in ("n1", "n2", "n3"):
        rig.scheduler.notify({"user": 1}, key, key=key, due=START + timedelta(minutes=5))
    rig.scheduler.notify({"user": 1}, "later", key="n4", due=START + timedelta(hours=1))
    await rig.advance(timedelta(minutes=10))
    assert rig.delivered == [[("n1", False), ("n2", False), ("n3", False)]]
    await rig.scheduler.run_due()
    assert len(rig.delivered) == 1


async def test_a_notification_key_is_queued_only_once_even_after_it_was_sent(rig: Rig) -> None:
    assert rig.scheduler.notify({"team": True}, "交接提醒", key="once")
    await rig.scheduler.run_due()
    assert not rig.scheduler.notify({"team": True}, "交接提醒", key="once")
    await rig.advance(timedelta(hours=1))
    assert rig.delivered == [[("once", False)]]


async def test_sent_notifications_move_to_the_monthly_archive_after_three_days(rig: Rig) -> None:
    rig.scheduler.notify({"team": True}, "旧提醒", key="old")
    await rig.scheduler.run_due()
    await rig.advance(timedelta(days=3, hours=1))
    assert rig.scheduler.outbox.due(rig.clock.now()) == []
    assert rig.scheduler.outbox._table.all() == []
    [record] = list(rig.store.archive.read("outbox", "2026-11"))
    assert record["key"] == "old" and record["sent_at"].startswith("2026-11-23")


async def test_the_clock_never_goes_back_while_advancing(rig: Rig) -> None:
    rig.scheduler.at("test", START - timedelta(hours=1), key="past")
    await rig.advance(timedelta(minutes=1))
    assert rig.ran == [("past", START, True)]
    assert rig.clock.now() == START + timedelta(minutes=1)


async def test_a_failing_planner_does_not_stop_the_other_timers_and_reminders(rig: Rig) -> None:
    def broken(_start: datetime, _end: datetime) -> None:
        raise RuntimeError("排班表缺少班次")

    rig.scheduler.add_planner(broken)
    rig.scheduler.add_planner(partial(_daily_planner, rig))
    rig.scheduler.notify({"team": True}, "交接提醒", key="note", due=START + timedelta(minutes=5))
    await rig.advance(timedelta(hours=10))
    assert [k for k, _, _ in rig.ran] == ["daily:2026-11-23"]
    assert rig.delivered == [[("note", False)]]
