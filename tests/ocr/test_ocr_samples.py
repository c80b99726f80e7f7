"""The real OCR engine on the committed sample screenshots (samples/ocr-*): slow-ish tests.

Each image is read once per module; ``pytest -m "not ocr"`` leaves them out.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.config import parse_settings
from bot.domain.checkin import hamming
from bot.domain.screen_check import ClockVerdict, Reuse, assess, lead_note, reuse_verdict
from bot.domain.screen_reading import ScreenReading, read_screen
from bot.domain.screen_text import Presence, ScreenClock, TextLine
from bot.ocr import ScreenReader
from bot.ocr.engine import read_lines
from bot.ocr.recorded import RecordedReader, image_key
from bot.screenshots import difference_hash
from tests.harness import example_raw

pytestmark = pytest.mark.ocr

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"
TZ = ZoneInfo("Asia/Shanghai")
OCR = parse_settings(example_raw()).checkin.ocr
ACCOUNTS = ("天猫旗舰店", "京东自营店", "唯品会专卖", "淘宝C店1", "淘宝C店2", "官网客服")
NAMES = OCR.screen_names(ACCOUNTS)
NOV24 = date(2026, 11, 24)


@pytest.fixture(scope="module")
def lines() -> dict[str, list[TextLine]]:
    """Every sample read once with the settings' image size limit."""
    found = {}
    for name in ("qianniu.png", "retaken.png", "resent.jpg", "jingmai.png", "phone-photo.jpg"):
        data = (SAMPLES / f"ocr-{name}").read_bytes()
        found[name] = read_lines(data, OCR.max_image_side)[0]
    return found


def screen(lines: dict[str, list[TextLine]], name: str) -> ScreenReading:
    return read_screen(lines[name], NAMES, NOV24)


def sent(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def states(reading: ScreenReading) -> dict[str, Presence]:
    return {a.account: a.presence for a in reading.accounts}


def test_qianniu_shows_its_taskbar_clock_the_aliased_tmall_account_and_one_account_away(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "qianniu.png")
    assert reading.clock == ScreenClock(time(8, 44), NOV24)
    assert states(reading) == {"天猫旗舰店": Presence.ONLINE, "淘宝C店1": Presence.AWAY}
    result = assess(
        reading, sent("2026-11-24 08:45"), TZ, 10, ("天猫旗舰店", "淘宝C店1"), False, {"官网客服"}
    )
    assert result.clock.verdict is ClockVerdict.OK and result.missing == ()
    assert lead_note(result) == "淘宝C店1显示“挂起”"


def test_a_screen_clock_far_from_the_message_time_is_flagged(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "qianniu.png")
    result = assess(reading, sent("2026-11-24 09:10"), TZ, 10, ("天猫旗舰店",), False, ())
    assert result.clock.verdict is ClockVerdict.MISMATCH and result.clock.minutes_apart == 26


def test_jingmai_tiles_are_matched_to_the_agents_accounts_and_the_unassigned_one_is_offered(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "jingmai.png")
    assert reading.clock == ScreenClock(time(8, 47), NOV24)
    assert states(reading) == {
        "京东自营店": Presence.ONLINE,
        "淘宝C店2": Presence.ONLINE,
        "官网客服": Presence.ONLINE,
    }
    result = assess(
        reading, sent("2026-11-24 08:48"), TZ, 10, ("京东自营店", "淘宝C店2"), False, {"官网客服"}
    )
    assert result.all_good and result.unclaimed == ("官网客服",)
    assert set(result.covered) == {"京东自营店", "淘宝C店2", "官网客服"}


def test_an_old_screenshot_resent_a_day_later_is_stale_and_reused(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "resent.jpg")
    original = screen(lines, "qianniu.png")
    result = assess(
        reading, sent("2026-11-25 08:45"), TZ, 10, ("天猫旗舰店", "淘宝C店1"), False, ()
    )
    assert result.clock.verdict is ClockVerdict.MISMATCH
    assert result.clock.minutes_apart == 24 * 60 + 1
    similar = hamming(hash_of("resent.jpg"), hash_of("qianniu.png")) <= 16
    assert reuse_verdict(similar, reading.clock, original.clock) is Reuse.REUSED


def test_the_same_screen_retaken_at_a_new_time_is_not_reused(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "retaken.png")
    assert reading.clock == ScreenClock(time(8, 52), NOV24)
    similar = hamming(hash_of("retaken.png"), hash_of("qianniu.png")) <= 16
    assert similar  # the hash alone would call it a copy
    verdict = reuse_verdict(similar, reading.clock, screen(lines, "qianniu.png").clock)
    assert verdict is Reuse.RETAKEN


def test_a_phone_photo_of_the_monitor_is_scaled_down_and_still_read(
    lines: dict[str, list[TextLine]],
) -> None:
    reading = screen(lines, "phone-photo.jpg")
    assert reading.clock is not None and reading.clock.at == time(16, 33)
    assert states(reading) == {
        "天猫旗舰店": Presence.ONLINE,
        "唯品会专卖": Presence.ONLINE,
        "淘宝C店2": Presence.ONLINE,
    }
    zhao = ("天猫旗舰店", "唯品会专卖", "淘宝C店2")
    result = assess(reading, sent("2026-11-24 16:34"), TZ, 10, zhao, False, ())
    assert result.all_good


def hash_of(name: str) -> str:
    return difference_hash((SAMPLES / f"ocr-{name}").read_bytes())


async def test_the_worker_process_reads_an_image_and_says_why_another_cannot_be_read() -> None:
    corner = io.BytesIO()
    with Image.open(SAMPLES / "ocr-qianniu.png") as image:
        image.crop((640, 360, 1280, 720)).save(corner, "PNG")  # the corner with the clock
    ocr = ScreenReader(OCR.time_limit_seconds, OCR.max_image_side)
    try:
        result = await ocr.read(corner.getvalue())
        broken = await ocr.read((SAMPLES / "ocr-qianniu.png").read_bytes()[:100])
    finally:
        await ocr.close()
    assert result.problem is None and result.size == (640, 360)
    assert read_screen(result.lines, NAMES, NOV24).clock == ScreenClock(time(8, 44), NOV24)
    assert broken.problem == "无法打开图片（不是图片文件，或文件已损坏）"


def test_the_readings_recorded_for_console_mode_are_what_the_engine_reads_now(
    lines: dict[str, list[TextLine]],
) -> None:
    recorded = RecordedReader()
    for name in lines:
        data = (SAMPLES / f"ocr-{name}").read_bytes()
        result = recorded.readings[image_key(data)]
        assert read_screen(result.lines, NAMES, NOV24) == screen(lines, name), name
        assert [line.text for line in result.lines] == [line.text for line in lines[name]], name
