"""Check-in screenshots read by OCR through the real application, with a reader the test holds.

The reader answers with the lines the real engine read from the sample (samples/ocr-lines.json)
only when the test opens its gate, so the test decides when the reading arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ocr.reader import OcrResult
from bot.ocr.recorded import RecordedReader
from tests.harness import Harness, example_raw

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
QIANNIU = (SAMPLES / "ocr-qianniu.png").read_bytes()


class GatedReader:
    """Returns a sample's recorded reading once ``gate`` is set; counts starts and closes."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()  # a reading has begun and waits for the gate
        self.recorded = RecordedReader()
        self.asked: list[bytes] = []
        self.starts = 0
        self.closed = False

    async def start(self) -> str | None:
        """Count the start."""
        self.starts += 1
        return None

    async def read(self, data: bytes) -> OcrResult | None:
        """Wait for the gate, then answer with the recorded reading."""
        self.asked.append(data)
        self.waiting.set()
        await self.gate.wait()
        return await self.recorded.read(data)

    async def close(self) -> None:
        """Remember that the application closed the reader."""
        self.closed = True


@pytest.fixture
async def gated(tmp_path: Path) -> AsyncIterator[tuple[Harness, GatedReader]]:
    """The application on Tuesday 2026-11-24 08:30 (the samples' date) with a gated reader."""
    reader = GatedReader()
    async with Harness(tmp_path / "data", start="2026-11-24 08:30", reader=reader) as harness:
        yield harness, reader
        harness.assert_clean()
    assert reader.closed


async def test_the_confirmation_comes_first_and_other_commands_are_answered_while_ocr_runs(
    gated: tuple[Harness, GatedReader],
) -> None:
    bot, reader = gated
    assert reader.starts == 1  # started once with the application, not per image
    await bot.advance("2026-11-24 08:44")
    calls = await bot.send("1", "/checkin", photo=QIANNIU)
    [confirmation] = bot.texts(calls)
    assert confirmation.startswith("✅ 已挂号：1号客服 张三")
    await reader.waiting.wait()  # the reading is under way and has no answer yet
    duty = await bot.send("2", "/duty")
    assert bot.texts(duty)[0].startswith("📅 11月24日（周二） 值班")
    assert reader.asked == [QIANNIU]
    assert not [c for c in bot.api.calls if c.method == "editMessageText"]

    reader.gate.set()
    await bot.svc.checkin.settle()
    [edit] = [c for c in bot.api.calls if c.method == "editMessageText"]
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert int(edit.params["message_id"]) == sent.result["message_id"]
    assert edit.text.startswith(
        confirmation + "\n🔎 截图识别：电脑时间 11月24日 08:44 与发送时间相符"
    )
    assert "⚠️ 淘宝C店1 显示“挂起”，请改为在线" in edit.text
    record = bot.svc.checkin.repo.get(bot.at("2026-11-24 00:00").date(), "day", "1")
    assert record is not None
    assert record.images[0].clock == "2026-11-24 08:44"
    assert record.notes == ["淘宝C店1显示“挂起”"]


async def test_the_lead_s_summary_lists_what_the_reading_found(
    gated: tuple[Harness, GatedReader],
) -> None:
    bot, reader = gated
    reader.gate.set()
    await bot.advance("2026-11-24 08:44")
    await bot.send("1", "/checkin", photo=QIANNIU)
    await bot.svc.checkin.settle()
    calls = await bot.advance("2026-11-24 08:50")
    [summary] = [t for t in bot.texts(calls) if "白班挂号（截止 08:50）" in t]
    assert "🔎 截图识别（1）：1号 张三：淘宝C店1显示“挂起”" in summary


async def test_with_reading_switched_off_no_reader_is_asked(tmp_path: Path) -> None:
    raw = example_raw()
    raw["checkin"]["ocr"]["enabled"] = False
    reader = GatedReader()
    reader.gate.set()
    async with Harness(tmp_path / "data", "2026-11-24 08:30", raw=raw, reader=reader) as bot:
        await bot.advance("2026-11-24 08:44")
        calls = await bot.send("1", "/checkin", photo=QIANNIU)
        await bot.svc.checkin.settle()
        assert len(bot.texts(calls)) == 1
        assert reader.asked == [] and reader.starts == 0
        assert not [c for c in bot.api.calls if c.method == "editMessageText"]
        bot.assert_clean()
