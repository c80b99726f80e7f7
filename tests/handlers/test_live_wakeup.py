"""In Telegram mode the JobQueue wakes the dispatcher exactly when the next thing falls due.

The real application is built as ``bot.py`` builds it with a token (``live``), so post_init
attaches the scheduler to PTB's JobQueue. Its APScheduler is started paused: jobs get their
run times but nothing fires on the wall clock; the test moves the manual clock to the
armed moment and runs the armed job itself, as the JobQueue would at that moment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import Job

from bot.scheduling import LATE_AFTER
from tests.harness import Harness


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Harness]:
    """The application in Telegram mode at 08:30, its JobQueue armed but paused."""
    async with Harness(tmp_path / "data", live=True) as harness:
        scheduler = harness.app.job_queue.scheduler
        scheduler.start(paused=True)
        try:
            yield harness
        finally:
            scheduler.shutdown(wait=False)
        harness.assert_clean()


def _armed(bot: Harness) -> Job:
    """Return the one JobQueue job that wakes the dispatcher at the next due moment."""
    [job] = bot.app.job_queue.get_jobs_by_name("dispatch:next")
    return job


def _queue_for_agent(bot: Harness, minutes: int) -> None:
    """Queue a private reminder for 张三, due ``minutes`` from now, before anything else."""
    member = bot.svc.members.by_work_no("1")
    assert member is not None
    bot.api.started.add(member.user_id)
    bot.svc.members.update(member.user_id, can_dm=True)
    due = bot.clock.now() + timedelta(minutes=minutes)
    assert (bot.svc.scheduler.next_due() or due) >= due, "something else is due first"
    bot.svc.scheduler.notify({"user": member.user_id}, "两分钟后的提醒", "test:soon", due)


async def test_a_reminder_falling_due_while_running_is_sent_on_time_by_the_job_queue(
    live: Harness,
) -> None:
    due = live.clock.now() + timedelta(minutes=2)
    _queue_for_agent(live, 2)
    job = _armed(live)
    assert job.next_t == due  # armed for exactly the reminder's due time
    assert job.job.misfire_grace_time is None  # a late wake-up still runs
    assert live.texts() == []  # nothing goes out before it is due
    live.clock.set(due)
    await job.run(live.app)
    assert live.texts() == ["两分钟后的提醒"]  # on time: no 【补发】
    [sent] = [c for c in live.api.calls if c.method == "sendMessage"]
    assert sent.chat_id == live.person("1").user_id
    rearmed = _armed(live)
    assert rearmed.next_t == live.svc.scheduler.next_due()
    assert rearmed.next_t is not None and rearmed.next_t > due


async def test_a_wake_up_that_fires_late_marks_the_reminder_as_sent_late(live: Harness) -> None:
    _queue_for_agent(live, 2)
    job = _armed(live)
    live.clock.set(job.next_t + LATE_AFTER + timedelta(seconds=1))  # the process was stalled
    await job.run(live.app)
    assert live.texts() == ["【补发】两分钟后的提醒"]


async def test_the_safety_tick_wakes_the_dispatcher_every_minute_even_when_late(
    live: Harness,
) -> None:
    [tick] = live.app.job_queue.get_jobs_by_name("dispatch:tick")
    assert tick.job.misfire_grace_time is None and tick.job.coalesce
    assert tick.job.trigger.interval == timedelta(seconds=60)
