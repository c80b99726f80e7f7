"""A timer's work survives a crash: the timer stays stored until its handler has finished."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.persistence.store import Store
from bot.persistence.timers import Timer
from bot.scheduling import MAX_ATTEMPTS, Scheduler

START = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


class Crash(BaseException):
    """Stands for the process dying inside a handler (nothing after it runs)."""


def _scheduler(root: Path, clock: ManualClock, seen: list[str], crash_on: set[str]) -> Scheduler:
    scheduler = Scheduler(Store(root), clock)

    async def handle(timer: Timer, _late: bool) -> None:
        seen.append(timer.key)
        if timer.key in crash_on:
            raise Crash

    scheduler.on("work", handle)
    return scheduler


async def test_a_timer_interrupted_by_a_crash_runs_again_after_the_restart(tmp_path: Path) -> None:
    clock = ManualClock(START)
    seen: list[str] = []
    first = _scheduler(tmp_path, clock, seen, crash_on={"a"})
    first.at("work", START + timedelta(minutes=5), key="a")
    clock.set(START + timedelta(minutes=10))
    with pytest.raises(Crash):
        await first.run_due()
    assert [t.key for t in first.timers.pending()] == ["a"]  # not dropped before its work
    restarted = _scheduler(tmp_path, clock, seen, crash_on=set())
    assert await restarted.run_due() == 1
    assert seen == ["a", "a"]
    assert restarted.timers.pending() == []


async def test_a_timer_that_kills_every_run_is_dropped_after_a_few_tries(tmp_path: Path) -> None:
    clock = ManualClock(START + timedelta(minutes=10))
    seen: list[str] = []
    _scheduler(tmp_path, clock, seen, set()).at("work", START, key="poison")
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(Crash):
            await _scheduler(tmp_path, clock, seen, crash_on={"poison"}).run_due()
    last = _scheduler(tmp_path, clock, seen, crash_on={"poison"})
    await last.run_due()  # the fourth start gives up instead of dying again
    assert seen == ["poison"] * MAX_ATTEMPTS
    assert last.timers.pending() == []


async def test_a_handler_that_re_arms_its_own_timer_keeps_the_new_one(tmp_path: Path) -> None:
    clock = ManualClock(START + timedelta(minutes=10))
    scheduler = Scheduler(Store(tmp_path), clock)
    later = START + timedelta(hours=1)

    async def rearm(timer: Timer, _late: bool) -> None:
        scheduler.at("work", later, key=timer.key, replace=True)

    scheduler.on("work", rearm)
    scheduler.at("work", START, key="tick")
    await scheduler.run_due()
    assert [(t.key, t.due) for t in scheduler.timers.pending()] == [("tick", later)]
