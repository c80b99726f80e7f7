"""A crash at any data write inside the check-in deadline's work loses no chaser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import Harness, die_at_write


@pytest.mark.parametrize("kill_at", range(1, 7))
async def test_a_kill_at_any_write_of_the_deadline_work_still_chases_every_missing_agent(
    tmp_path: Path, kill_at: int
) -> None:
    async with Harness(tmp_path / "data") as bot:
        bot.api.started |= {m.user_id for m in bot.svc.members.all()}
        await bot.advance("2026-11-23 08:49")
        disarm = die_at_write(kill_at)
        try:
            await bot.kill_during("2026-11-23 08:51", disarm)
        finally:
            disarm()  # also when the test fails before the kill
        await bot.advance("2026-11-23 09:00")
        chased = [t for t in bot.texts() if "还没有收到您的截图" in t]
        for name in ("李四", "王五"):
            assert any(name in t for t in chased), (name, kill_at)
        assert any("挂号（截止 08:50）" in t for t in bot.texts()), kill_at
