"""Check-in through the real application: screenshots, confirmation, reuse, alerts to the lead."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

from bot.domain.checkin import Status
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from tests.harness import Harness

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LEAD = 100002  # 80 李组长, day-shift lead


def screenshot(seed: int) -> bytes:
    """Return a distinct PNG for each seed (bars at different places)."""
    image = Image.new("RGB", (320, 180), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = (seed * 53 + i * 71) % 300
        y = (seed * 31 + i * 43) % 160
        draw.rectangle((x, y, x + 20 + seed % 15, y + 12), fill=(20 * i, 200 - seed, 60 + seed))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def sample(name: str) -> bytes:
    """Return a sample screenshot shipped in samples/."""
    return (SAMPLES / name).read_bytes()


def lead_texts(bot: Harness, calls: list) -> list[str]:
    """Return what reached the day lead (privately or by a mention in the group)."""
    return [
        c.text
        for c in calls
        if c.method == "sendMessage"
        and (c.chat_id == LEAD or "李组长" in (c.text or ""))
        and "error" not in (c.result or {})
    ]


async def test_photo_captioned_checkin_is_recorded_on_time_and_confirmed(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    calls = await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
    [text] = bot.texts(calls)
    assert text.startswith("✅ 已挂号：2号客服 李四 · 11月23日（周一） 白班 · 08:45 · 准时")
    assert "京东自营店、淘宝C店2" in text
    record = bot.svc.checkin.repo.get(bot.at("2026-11-23 00:00").date(), "day", "2")
    assert record is not None and record.status is Status.ON_TIME
    assert record.images[0].phash is not None
    assert record.images[0].unique_id and record.images[0].file_id


async def test_check_in_time_is_the_telegram_message_date(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:59")
    calls = await bot.send("2", "/checkin", photo=screenshot(1), when=bot.at("2026-11-23 08:48"))
    assert "08:48 · 准时" in bot.texts(calls)[0]


async def test_image_sent_as_a_file_counts(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    calls = await bot.send("3", "#挂号", document=(screenshot(2), "screen.png", "image/png"))
    assert "✅ 已挂号：3号客服 王五" in bot.texts(calls)[0]


async def test_a_non_image_file_is_not_a_check_in(bot: Harness) -> None:
    calls = await bot.send("3", "/checkin", document=(b"%PDF", "a.pdf", "application/pdf"))
    [text] = bot.texts(calls)
    assert "没有收到截图，本次未记录" in text
    assert bot.svc.checkin.repo.for_day(bot.svc.today()) == []


async def test_checkin_without_an_image_explains_and_records_nothing(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("2", "/checkin"))
    assert "没有收到截图，本次未记录" in text and "用法" in text
    [text] = bot.texts(await bot.send("2", "/挂号"))
    assert "没有收到截图" in text
    [text] = bot.texts(await bot.send("2", "#挂号 天猫"))
    assert "没有收到截图" in text
    assert bot.svc.checkin.repo.for_day(bot.svc.today()) == []


async def test_reply_checkin_to_ones_own_photo_counts(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    photo = bot.updates.message(bot.person("2"), bot.settings.team_chat, None, photo=screenshot(3))
    assert bot.texts(await bot.process(photo)) == []
    calls = await bot.send("2", "/checkin 官网客服", reply_to=photo["message"])
    assert "✅ 已挂号：2号客服 李四" in bot.texts(calls)[0]
    assert "账号：官网客服" in bot.texts(calls)[0]
    calls = await bot.send("2", "#挂号 京东", reply_to=photo["message"])
    assert "🔄 已更新挂号" in bot.texts(calls)[0] and "账号：京东自营店" in bot.texts(calls)[0]


async def test_reply_checkin_to_someone_elses_photo_is_refused(bot: Harness) -> None:
    photo = bot.updates.message(bot.person("3"), bot.settings.team_chat, None, photo=screenshot(4))
    await bot.process(photo)
    [text] = bot.texts(await bot.send("2", "/checkin", reply_to=photo["message"]))
    assert "只能回复您自己发的截图" in text
    assert bot.svc.checkin.repo.for_day(bot.svc.today()) == []


async def test_checkin_in_a_private_chat_is_refused(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("2", "/checkin", private=True, photo=screenshot(5)))
    assert "请在团队群里使用" in text
    [text] = bot.texts(await bot.send("2", "#挂号", private=True, photo=screenshot(5)))
    assert "请发到团队群" in text
    photo = bot.updates.message(bot.person("2"), 100012, None, photo=screenshot(5))
    await bot.process(photo)
    [text] = bot.texts(await bot.send("2", "#挂号", private=True, reply_to=photo["message"]))
    assert "请发到团队群" in text
    assert bot.svc.checkin.repo.for_day(bot.svc.today()) == []


async def test_named_accounts_are_claimed_and_unknown_ones_refused(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    [bad] = bot.texts(await bot.send("2", "/checkin 拼多多", photo=screenshot(6)))
    assert "没有账号 '拼多多'" in bad and "本次未记录" in bad
    assert bot.svc.checkin.repo.for_day(bot.svc.today()) == []
    [ok] = bot.texts(await bot.send("2", "#挂号 官网客服、天猫", photo=screenshot(6)))
    assert "账号：官网客服、天猫旗舰店" in ok
    assert bot.svc.roster.holder("官网客服", bot.at("2026-11-23 09:00")).work_no == "2"


async def test_second_check_in_replaces_accounts_and_keeps_both_images(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    await bot.send("2", "/checkin", photo=screenshot(7))
    await bot.advance("2026-11-23 09:10")
    [text] = bot.texts(await bot.send("2", "/checkin 官网客服", photo=screenshot(8)))
    assert text.startswith("🔄 已更新挂号") and "准时" in text and "截图共 2 张" in text
    record = bot.svc.checkin.repo.get(bot.svc.today(), "day", "2")
    assert record.accounts == ("官网客服",)
    assert len(record.images) == 2
    assert record.status is Status.ON_TIME


async def test_agent_on_a_day_off_is_recorded_as_off_roster(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    [text] = bot.texts(await bot.send("1", "/checkin", photo=screenshot(9)))  # 张三 rests Mon
    assert "非排班" in text


async def test_check_in_outside_every_shift_records_nothing(bot: Harness) -> None:
    await bot.advance("2026-11-24 03:00")
    [text] = bot.texts(await bot.send("2", "/checkin", photo=screenshot(10)))
    assert "不在任何班次时间内" in text and "本次未记录" in text


async def test_night_agent_after_midnight_counts_for_the_shift_that_started_yesterday(
    bot: Harness,
) -> None:
    await bot.advance("2026-11-24 00:10")
    text, alert = bot.texts(await bot.send("6", "/checkin", photo=screenshot(11)))
    assert "11月23日（周一） 晚班 · 00:10 · 迟到 455 分钟" in text
    # the night shift has no lead of its own: the admin hears of it
    assert (
        "周主管" in alert
        and "6号客服 钱七 11月23日（周一） 晚班 00:10 挂号，迟到 455 分钟" in alert
    )


async def test_download_failure_does_not_block_the_check_in(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    update = bot.updates.message(
        bot.person("2"), bot.settings.team_chat, "/checkin", photo=screenshot(12)
    )
    bot.api.files.clear()  # Telegram lost the file
    [text] = bot.texts(await bot.process(update))
    assert "✅ 已挂号" in text and "截图未能下载" in text
    record = bot.svc.checkin.repo.get(bot.svc.today(), "day", "2")
    assert record.images[0].problem and record.images[0].phash is None


async def test_screenshot_is_archived_by_month(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:45")
    await bot.send("2", "/checkin", photo=screenshot(13))
    files = list((bot.data_dir / "images" / "2026-11").iterdir())
    assert [f.name.startswith("2026-11-23_day_2_") for f in files] == [True]


async def test_archiving_images_can_be_switched_off(tmp_path: Path) -> None:
    from tests.harness import example_raw

    raw = example_raw()
    raw["checkin"]["archive_images"] = False
    async with Harness(tmp_path / "data", start="2026-11-23 08:45", raw=raw) as bot:
        await bot.send("2", "/checkin", photo=screenshot(14))
        assert not (bot.data_dir / "images").exists()
        assert bot.svc.checkin.repo.get(bot.svc.today(), "day", "2").images[0].phash


async def test_checkin_recorded_event_is_emitted_once_per_shift(bot: Harness) -> None:
    seen: list[tuple[str, str]] = []

    async def listener(member: Member, occurrence: ShiftOccurrence, at: datetime) -> None:
        seen.append((member.work_no, f"{occurrence.day}:{occurrence.shift.key}"))

    bot.svc.events.on("checkin.recorded", listener)
    await bot.advance("2026-11-23 08:45")
    await bot.send("2", "/checkin", photo=screenshot(15))
    await bot.send("2", "/checkin", photo=screenshot(16))
    assert seen == [("2", "2026-11-23:day")]


async def test_reused_screenshot_is_flagged_in_the_lead_summary(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:44")
    await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
    await bot.send("3", "/checkin", photo=sample("checkin-reused.png"))
    calls = await bot.advance("2026-11-23 08:51")
    [summary] = [t for t in lead_texts(bot, calls) if "挂号（截止 08:50）" in t]
    assert "🔁 疑似重复截图（1）：3号 王五：与 11月23日（周一） 白班 2号 李四 的截图图像相似" in (
        summary
    )
    record = bot.svc.checkin.repo.get(bot.svc.today(), "day", "3")
    assert record.duplicates


async def test_same_file_sent_again_on_another_day_is_flagged(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:44")
    first = bot.updates.message(
        bot.person("2"), bot.settings.team_chat, "/checkin", photo=screenshot(17)
    )
    await bot.process(first)
    photo = first["message"]["photo"]
    await bot.advance("2026-11-24 08:44")
    again = bot.updates.message(bot.person("2"), bot.settings.team_chat, "/checkin")
    again["message"]["photo"] = photo  # forwarded by file id: same unique id
    again["message"]["caption"] = again["message"].pop("text")
    again["message"]["caption_entities"] = again["message"].pop("entities")
    await bot.process(again)
    record = bot.svc.checkin.repo.get(bot.svc.today(), "day", "2")
    assert record.duplicates == ["与 11月23日（周一） 白班 2号 李四 的截图同一文件"]


async def test_distinct_screenshots_are_not_flagged(bot: Harness) -> None:
    await bot.advance("2026-11-23 08:44")
    await bot.send("2", "/checkin", photo=sample("checkin-qianniu.png"))
    await bot.send("3", "/checkin", photo=sample("checkin-jingmai.png"))
    assert bot.svc.checkin.repo.get(bot.svc.today(), "day", "3").duplicates == []
