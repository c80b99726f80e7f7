"""/status for admins, and a failed backup reported to them while the bot runs on."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.persistence.store import BackupResult, LiveCopy, Store
from tests.harness import Harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    async with Harness(tmp_path / "data") as harness:
        yield harness


async def test_an_admin_sees_version_uptime_queue_and_disk_use(bot: Harness) -> None:
    await bot.advance("2026-11-23 10:45")
    [text] = bot.texts(await bot.send("90", "/status", private=True))
    assert text.startswith("🤖 客服值班机器人 ")
    assert "已运行：0 天 2 小时 15 分钟" in text
    assert "待发送提醒：" in text and "数据目录：" in text and "备份 " in text


async def test_status_is_for_admins_only(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("80", "/status"))
    assert text == "需要主管权限才能使用 /status。"


async def test_a_failed_backup_is_told_to_the_admins_once_and_the_bot_runs_on(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = bot.svc.members.by_work_no("90")
    assert admin is not None
    bot.api.started.add(admin.user_id)

    threads = []

    def full_disk(self: Store, copy: LiveCopy, keep: int) -> BackupResult:
        threads.append(threading.current_thread())
        copy.close()
        return BackupResult(copy.day, error="磁盘已满（No space left on device）")

    monkeypatch.setattr(Store, "finish_backup", full_disk)
    calls = await bot.advance("2026-11-24 05:00")  # the 04:00 backup fails
    calls += await bot.advance("2026-11-24 06:00")
    told = [c.text for c in calls if c.chat_id == admin.user_id and "备份失败" in c.text]
    assert len(told) == 1 and "磁盘已满" in told[0] and "照常运行" in told[0]
    # compressing and copying ran on a worker thread, never the event loop's
    assert threads and threading.main_thread() not in threads
    assert bot.texts(await bot.send("1", "/help"))  # still answering
