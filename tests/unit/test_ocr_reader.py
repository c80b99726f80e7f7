"""The OCR reader: a worker process per bot, a time limit, and an event loop left free."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.domain.screen_text import TextLine
from bot.ocr import ScreenReader
from bot.ocr.engine import ImageProblem, prepare
from bot.ocr.worker import serve

FAKE = Path(__file__).resolve().parent.parent / "fake_ocr_worker.py"


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "starts.log"


def reader(log: Path, time_limit: float = 30) -> ScreenReader:
    return ScreenReader(time_limit, 1920, command=(sys.executable, str(FAKE), str(log)))


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


async def test_an_image_is_read_by_the_worker_and_its_lines_come_back(log: Path) -> None:
    ocr = reader(log)
    try:
        first = await ocr.read(b"screen one")
        second = await ocr.read(b"screen two")
    finally:
        await ocr.close()
    assert first.problem is None and first.size == (1280, 720)
    assert first.lines == (TextLine("screen one 1920", (1, 2, 3, 4), 0.9),)
    assert second.lines[0].text == "screen two 1920" and starts(log) == 1


async def test_a_reading_past_the_time_limit_is_given_up_and_the_next_gets_a_new_worker(
    log: Path,
) -> None:
    ocr = reader(log, time_limit=0.2)
    try:
        late = await ocr.read(b"hang")
        after = await ocr.read(b"next")
    finally:
        await ocr.close()
    assert late.problem == "识别超时（超过 0.2 秒）" and late.lines == ()
    assert after.problem is None and after.lines[0].text == "next 1920"
    assert starts(log) == 2


async def test_a_worker_that_dies_is_reported_and_replaced(log: Path) -> None:
    ocr = reader(log)
    try:
        crashed = await ocr.read(b"crash")
        after = await ocr.read(b"next")
    finally:
        await ocr.close()
    assert crashed.problem == "识别进程意外退出"
    assert after.lines[0].text == "next 1920" and starts(log) == 2


async def test_an_engine_that_cannot_load_is_reported_once_and_not_restarted_per_image(
    log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_OCR_BROKEN", "1")
    ocr = reader(log)
    try:
        first = await ocr.read(b"one")
        second = await ocr.read(b"two")
    finally:
        await ocr.close()
    assert first.problem == second.problem == "识别组件无法加载（ModuleNotFoundError）"
    assert starts(log) == 1


async def test_other_work_goes_on_while_an_image_is_being_read(log: Path, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    ocr = reader(log)
    await ocr.start()
    try:
        reading = asyncio.create_task(ocr.read(f"gate:{gate}".encode()))
        answered = []

        async def other_command() -> None:
            answered.append("pong")

        for _ in range(5):
            await other_command()
            await asyncio.sleep(0)
        assert answered == ["pong"] * 5 and not reading.done()
        await asyncio.to_thread(gate.write_text, "go")
        result = await reading
    finally:
        await ocr.close()
    assert result.problem is None and result.lines[0].text.startswith("gate:")


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_big_phone_photo_is_scaled_down_before_reading() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), "grey").save(buffer, "JPEG")
    pixels, scale, size = prepare(buffer.getvalue(), 1920)
    assert size == (2400, 1800) and pixels.shape == (1440, 1920, 3) and scale == 0.8


def test_a_photo_taken_upright_is_turned_as_the_camera_said() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    Image.new("RGB", (800, 600), "grey").save(buffer, "JPEG", exif=exif)
    pixels, scale, size = prepare(buffer.getvalue(), 1920)
    assert pixels.shape == (800, 600, 3) and size == (600, 800) and scale == 1.0
    small, scale, size = prepare(buffer.getvalue(), 640)
    assert small.shape == (640, 480, 3) and size == (600, 800) and scale == 0.8


def test_a_screenshot_within_the_size_limit_is_read_as_it_is() -> None:
    pixels, scale, size = prepare(png(1280, 720), 1920)
    assert pixels.shape == (720, 1280, 3) and scale == 1.0 and size == (1280, 720)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png(300, 200), "图片太小（300×200 像素），看不清账号和时间"),
        (b"not an image", "无法打开图片（不是图片文件，或文件已损坏）"),
    ],
)
def test_an_image_that_cannot_be_read_says_why(data: bytes, message: str) -> None:
    with pytest.raises(ImageProblem, match=message.replace("(", r"\(")):
        prepare(data, 1920)


def test_the_worker_answers_each_request_on_one_line_and_reports_bad_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake_read(data: bytes, max_side: int) -> tuple[list[TextLine], tuple[int, int]]:
        if data == b"bad":
            raise ImageProblem("无法打开图片")
        return [TextLine("8:44", (1.0, 2.0, 3.0, 4.0), 0.99)], (1280, 720)

    monkeypatch.setattr("bot.ocr.worker.engine", lambda: object())
    monkeypatch.setattr("bot.ocr.worker.read_lines", fake_read)
    source = io.BytesIO(b'{"size": 2, "max_side": 1920}\nok{"size": 3, "max_side": 1920}\nbad')
    out = io.BytesIO()
    assert serve(source, out) == 0
    assert out.getvalue().decode().splitlines() == [
        '{"ready": true}',
        '{"lines": [["8:44", [1.0, 2.0, 3.0, 4.0], 0.99]], "size": [1280, 720]}',
        '{"problem": "无法打开图片"}',
    ]


def test_a_worker_whose_engine_cannot_load_says_so_and_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing() -> object:
        raise ModuleNotFoundError("No module named 'rapidocr_onnxruntime'")

    monkeypatch.setattr("bot.ocr.worker.engine", missing)
    out = io.BytesIO()
    assert serve(io.BytesIO(), out) == 1
    assert "识别组件无法加载（ModuleNotFoundError" in out.getvalue().decode()
