"""A check-in read by the real OCR worker through the real application (marked ``ocr``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ocr import ScreenReader
from tests.harness import Harness

pytestmark = pytest.mark.ocr

QIANNIU = (Path(__file__).resolve().parents[2] / "samples" / "ocr-qianniu.png").read_bytes()


async def test_the_worker_s_reading_of_a_sample_edits_the_confirmation(tmp_path: Path) -> None:
    reader = ScreenReader(time_limit=120, max_side=1920)  # generous: a shared, busy machine
    async with Harness(tmp_path / "data", start="2026-11-24 08:30", reader=reader) as bot:
        assert reader.pid is not None  # started with the application
        await bot.advance("2026-11-24 08:44")
        await bot.send("1", "/checkin", photo=QIANNIU)
        await bot.svc.checkin.settle()
        [edit] = [c.text for c in bot.api.calls if c.method == "editMessageText"]
        assert "🔎 截图识别：电脑时间 11月24日 08:44 与发送时间相符" in edit
        assert "⚠️ 淘宝C店1 显示“挂起”，请改为在线" in edit
        bot.assert_clean()
    assert reader.pid is None  # ended with the application
