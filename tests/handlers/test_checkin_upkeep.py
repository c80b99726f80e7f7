"""Daily upkeep: old check-ins move to the archive and stay readable; old images are deleted."""

from __future__ import annotations

from pathlib import Path

from tests.handlers.test_checkin import sample, screenshot
from tests.harness import Harness, example_raw


async def test_old_check_ins_move_to_the_archive_and_still_count(tmp_path: Path) -> None:
    raw = example_raw()
    raw["checkin"]["image_retention_days"] = 2
    async with Harness(tmp_path / "data", start="2026-11-23 08:30", raw=raw) as bot:
        await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
        await bot.send("3", "/checkin", photo=screenshot(30))
        await bot.advance("2026-11-27 05:00")
        live = bot.svc.store.db("checkin").table("records").all()
        assert live == []
        assert (bot.data_dir / "archive" / "2026-11" / "checkins.jsonl").exists()
        assert not list((bot.data_dir / "images").glob("*/2026-11-23_*"))
        [text] = bot.texts(await bot.send("80", "/checkins 11-23"))
        assert "2号 李四 08:30 准时" in text and "3号 王五 08:30 准时" in text
        await bot.advance("2026-11-28 08:45")  # Saturday: 李四 works
        await bot.send("2", "/checkin", photo=sample("checkin-reused.png"))
        record = bot.svc.checkin.repo.get(bot.svc.today(), "day", "2")
        assert record.duplicates == ["与 11月23日（周一） 白班 2号 李四 的截图图像相似"]
        bot.assert_clean()


async def test_a_restarted_bot_still_knows_archived_and_live_screenshots(tmp_path: Path) -> None:
    async with Harness(tmp_path / "data", start="2026-11-23 08:30") as bot:
        await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
        await bot.advance("2026-11-27 05:00")  # Monday's check-in is archived by now
        assert bot.svc.store.db("checkin").table("records").all() == []
        await bot.advance("2026-11-27 08:45")
        await bot.send("2", "/checkin", photo=screenshot(30))  # Friday: live, not archived
        await bot.restart()
        await bot.advance("2026-11-28 08:45")
        await bot.send("2", "/checkin", photo=sample("checkin-reused.png"))
        await bot.send("1", "/checkin", photo=screenshot(30))
        repo = bot.svc.checkin.repo
        assert repo.get(bot.svc.today(), "day", "2").duplicates == [
            "与 11月23日（周一） 白班 2号 李四 的截图图像相似"
        ]
        assert repo.get(bot.svc.today(), "day", "1").duplicates == [
            "与 11月27日（周五） 白班 2号 李四 的截图图像相似"
        ]
        bot.assert_clean()
