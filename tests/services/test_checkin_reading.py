"""Reading check-in screenshots in the check-in service, without an Application.

The reader answers with the lines the real OCR engine read from each sample
(samples/ocr-lines.json, checked against the engine by tests/ocr); the messenger records edits.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot.domain.checkin import Checkin
from bot.domain.shifts import ShiftOccurrence
from bot.ocr.reader import OcrResult
from bot.ocr.recorded import RecordedReader
from bot.persistence.checkin import CheckinRepo
from bot.persistence.store import Store
from bot.services.messenger import Keyboard
from tests.services.test_checkin import ROOT, Rig, Shot, build

SAMPLES = ROOT / "samples"
QIANNIU = (
    SAMPLES / "ocr-qianniu.png"
).read_bytes()  # 张三's 千牛 at 2026/11/24 8:44, 淘宝C店1 挂起
JINGMAI = (SAMPLES / "ocr-jingmai.png").read_bytes()  # 李四's 京麦 at 8:47 with 官网客服 too
RETAKEN = (SAMPLES / "ocr-retaken.png").read_bytes()  # 张三's screen again at 8:52
RESENT = (SAMPLES / "ocr-resent.jpg").read_bytes()  # the 8:44 screenshot sent again
TUESDAY = date(2026, 11, 24)


@dataclass
class Edits:
    """A messenger that only records the edits of confirmations."""

    edits: list[tuple[int, int, str]] = field(default_factory=list)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> bool:
        """Record the edit."""
        self.edits.append((chat_id, message_id, text))
        return True


class Unreadable:
    """A reader for which every image times out."""

    async def start(self) -> str | None:
        return None

    async def read(self, data: bytes) -> OcrResult | None:
        return OcrResult(problem="识别超时（超过 20 秒）")

    async def close(self) -> None:
        return None


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """The service on Tuesday 2026-11-24 08:30 (the samples' date), reading what it records."""
    rig = build(tmp_path / "data", "2026-11-24 08:30")
    rig.service.reader = RecordedReader()
    rig.service.messenger = Edits()  # type: ignore[assignment]
    yield rig
    await rig.service.close()


async def check_in(rig: Rig, work_no: str, at: str, data: bytes, names: str = "") -> Checkin:
    """Check in at a local time with a sample, wait for its reading; return the stored record."""
    await rig.advance(at)
    recorded = await rig.check_in(work_no, Shot(data, unique_id=f"u-{work_no}-{at}"), names)
    await rig.service.settle()
    occurrence = recorded.occurrence
    stored = rig.service.repo.get(occurrence.day, occurrence.shift.key, work_no)
    assert stored is not None
    return stored


def edits(rig: Rig) -> list[str]:
    """Return the texts the confirmations were edited to."""
    messenger = rig.service.messenger
    assert isinstance(messenger, Edits)
    return [text for _, _, text in messenger.edits]


async def test_accounts_the_screen_shows_become_the_agent_s_when_the_caption_names_none(
    rig: Rig,
) -> None:
    stored = await check_in(rig, "2", "2026-11-24 08:47", JINGMAI)
    assert stored.accounts == ("淘宝C店2", "京东自营店", "官网客服")
    day_shift = rig.service.settings.shift("day")
    assert day_shift is not None
    coverage = rig.service.roster.coverage(ShiftOccurrence(day_shift, TUESDAY))
    assert coverage["官网客服"] is not None and coverage["官网客服"].work_no == "2"
    [text] = edits(rig)
    assert "账号：淘宝C店2、京东自营店、官网客服" in text
    assert "官网客服 原无人负责，已按截图记为您负责。" in text
    assert stored.notes == []


async def test_a_caption_naming_accounts_keeps_them_and_only_offers_the_unclaimed_one(
    rig: Rig,
) -> None:
    stored = await check_in(rig, "2", "2026-11-24 08:47", JINGMAI, "京东自营店 淘宝C店2")
    assert stored.accounts == ("京东自营店", "淘宝C店2")
    [text] = edits(rig)
    assert "截图中还有无人负责的 官网客服：如由您负责，请回复这张截图发 #挂号" in text


async def test_a_stale_screen_clock_is_in_the_lead_s_summary(tmp_path: Path) -> None:
    rig = build(tmp_path / "data", "2026-11-25 08:30")
    rig.service.reader = RecordedReader()
    stored = await check_in(rig, "1", "2026-11-25 08:45", QIANNIU)  # yesterday's screen
    assert stored.notes == [
        "截图时间不符（截图 11月24日 08:44，发送 11月25日 08:45，相差 1 天 0 小时 1 分钟）；"
        "淘宝C店1显示“挂起”"
    ]
    await rig.advance("2026-11-25 08:50")
    [summary] = [n.text for n in rig.queued("checkin:summary")]
    assert "🔎 截图识别（1）：1号 张三：截图时间不符（截图 11月24日 08:44" in summary


async def test_a_reading_finished_after_the_summary_goes_to_the_lead_at_once(
    tmp_path: Path,
) -> None:
    rig = build(tmp_path / "data", "2026-11-25 08:30")
    rig.service.reader = RecordedReader()
    await rig.advance("2026-11-25 08:55")  # the summary went out at 08:50
    await check_in(rig, "1", "2026-11-25 08:55", QIANNIU)
    [alert] = [n.text for n in rig.queued("checkin:screen:")]
    assert alert.startswith(
        "🔎 截图识别：1号客服 张三 11月25日（周三） 白班 08:55 的挂号截图：截图时间不符"
    )
    assert [n.text for n in rig.queued("checkin:late:")]  # told at once, as before


async def test_the_same_screen_retaken_at_a_new_time_is_not_a_reused_screenshot(rig: Rig) -> None:
    first = await check_in(rig, "1", "2026-11-24 08:44", QIANNIU)
    assert first.images[0].clock == "2026-11-24 08:44"
    retaken = await check_in(rig, "3", "2026-11-24 08:52", RETAKEN)
    assert retaken.images[0].clock == "2026-11-24 08:52"
    assert retaken.duplicates == []


async def test_a_screenshot_with_the_same_look_and_clock_is_reused(rig: Rig) -> None:
    await check_in(rig, "1", "2026-11-24 08:44", QIANNIU)
    resent = await check_in(rig, "3", "2026-11-24 08:46", RESENT)
    assert resent.duplicates == [
        "与 11月24日（周二） 白班 1号 张三 的截图图像相似，重复使用的截图（画面和时间都相同）"
    ]
    await rig.advance("2026-11-24 08:50")
    [summary] = [n.text for n in rig.queued("checkin:summary")]
    assert (
        "🔁 疑似重复截图（1）：3号 王五：与 11月24日（周二） 白班 1号 张三 的截图图像相似，"
        "重复使用的截图" in summary
    )


async def test_a_look_alike_that_cannot_be_read_stays_suspected_with_a_note(rig: Rig) -> None:
    await check_in(rig, "1", "2026-11-24 08:44", QIANNIU)
    rig.service.reader = Unreadable()
    stored = await check_in(rig, "3", "2026-11-24 08:52", RETAKEN)
    assert stored.duplicates == [
        "与 11月24日（周二） 白班 1号 张三 的截图图像相似，疑似重复截图（未能读出时间，请看一眼）"
    ]
    assert stored.notes == ["截图未能识别：识别超时（超过 20 秒）"]
    assert stored.images[0].clock is None


async def test_a_restart_keeps_the_read_clock_for_reuse_and_old_records_still_load(
    rig: Rig, tmp_path: Path
) -> None:
    await check_in(rig, "1", "2026-11-24 08:44", QIANNIU)
    data = tmp_path / "data"
    rig.service.repo.store.close()
    reopened = CheckinRepo(Store(data))
    image = reopened.get(TUESDAY, "day", "1").images[0]  # type: ignore[union-attr]
    match = reopened.find_reuse(image, (TUESDAY, "day", "3"), 16)
    assert match is not None and match.clock == "2026-11-24 08:44"
    reopened.store.close()

    path = data / "checkin.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for record in doc["records"].values():  # as stored before screenshots were read
        del record["notes"]
        for stored in record["images"]:
            del stored["clock"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    old = CheckinRepo(Store(data)).get(TUESDAY, "day", "1")
    assert old is not None and old.notes == [] and old.images[0].clock is None
