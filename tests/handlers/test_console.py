"""Console mode as a newcomer runs it: ``bot.py --console`` with a transcript piped in."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from telegram.error import BadRequest

from bot.config import parse_settings
from bot.console import Console
from bot.transport.local import png_size
from tests.harness import EXAMPLE, ROOT, example_raw, local_time

START = "2026-11-23 08:30"


def _console(
    transcript: str, *args: str, data: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run console mode with ``transcript`` on stdin; return the finished process."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    command = [sys.executable, str(ROOT / "bot.py"), "--console", "--time", START, *args]
    if data is not None:
        command += ["--data", str(data)]
    return subprocess.run(
        command,
        input=transcript,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_a_piped_transcript_runs_to_the_end_and_exits_cleanly(tmp_path: Path) -> None:
    transcript = "\n".join(
        [
            "/help",
            ":now",
            ":as 1",
            "/help",
            ":as 555001",
            "/join 7 王小明",
            ":as 80",
            ":press 批准",
            ":press 批准",
            ":as 7",
            ":chat private",
            "/start",
            ":chat group",
            ":wait 1d",
            ":bogus",
            ":as 不存在的人",
            ":press 没有这个按钮",
            ":wait soon",
            ":time 2020-01-01 00:00",
            ":chat kitchen",
            ":photo samples/no-such-shot.png /checkin",
            ":help",
        ]
    )
    done = _console(transcript + "\n", data=tmp_path / "data")
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "控制台模式 · 模拟时间 2026-11-23 08:30 Mon · 当前身份 90号主管 周主管@团队群" in out
    assert "[团队群] 🤖 90号主管 周主管（主管）可用的命令：" in out
    assert "模拟时间：2026-11-23 08:30 Mon" in out
    assert "当前身份：1号客服 张三@团队群" in out
    assert "[团队群] 🤖 1号客服 张三（客服）可用的命令：" in out
    assert "王小明（工号 7）申请加入团队，请组长或主管确认。" in out
    assert "[批准] [拒绝]" in out
    assert "✏️ 修改 欢迎 7号客服 王小明 加入团队（李组长 批准）" in out
    assert "最近的消息上没有按钮 '批准'。" in out  # the approval removed the buttons
    assert "该申请已处理过了" not in out
    assert "当前身份：7号客服 王小明@团队群" in out and "当前聊天：私聊" in out
    assert "[私聊 王小明] 🤖 您好，7号客服 王小明！已开启私信提醒" in out
    assert "⏰ 模拟时间：2026-11-24 08:30 Tue" in out
    assert "未知控制台命令 :bogus，输入 :help 查看。" in out
    assert "找不到成员 '不存在的人'" in out
    assert "最近的消息上没有按钮 '没有这个按钮'。" in out
    assert "用法：:wait 30m、:wait 2h 或 :wait 1d" in out
    assert "模拟时钟不能倒退" in out
    assert "用法：:chat group 或 :chat private" in out
    assert "找不到文件 'samples/no-such-shot.png'。用法：:photo <路径> [说明]" in out
    assert ":time <YYYY-MM-DD HH:MM>" in out
    # The waited day passed 04:00, when the daily backup copy is due: timers really ran.
    assert (tmp_path / "data" / "backups" / "2026-11-24").is_dir()
    assert "Traceback" not in done.stderr


def test_strict_mode_names_every_failed_line_on_stderr_and_exits_1(tmp_path: Path) -> None:
    transcript = "/help\n:as 1\n\n:press 批准\n:photo samples/no-such-shot.png\n:now\n"
    relaxed = _console(transcript, data=tmp_path / "relaxed")
    strict = _console(transcript, "--strict", data=tmp_path / "strict")
    assert relaxed.returncode == 0 and relaxed.stderr == ""
    assert strict.returncode == 1
    assert strict.stdout == relaxed.stdout
    assert strict.stderr.splitlines() == [
        "第 4 行：最近的消息上没有按钮 '批准'。",
        "第 5 行：找不到文件 'samples/no-such-shot.png'。用法：:photo <路径> [说明]",
        "严格模式：2 处控制台命令失败或消息会被拒绝。",
    ]


def test_strict_mode_exits_0_when_every_line_worked(tmp_path: Path) -> None:
    done = _console("/help\n:as 1\n:wait 1h\n", "--strict", data=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "⏰ 模拟时间：2026-11-23 09:30 Mon" in done.stdout


def test_the_console_uses_a_throwaway_data_folder_by_default() -> None:
    first = _console(":as 555001\n/join 7 王小明\n")
    second = _console(":as 555001\n/join 7 王小明\n")
    for done in (first, second):
        assert done.returncode == 0, done.stderr
        assert "王小明（工号 7）申请加入团队" in done.stdout


def test_a_damaged_data_file_stops_the_bot_naming_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    broken = '{"members": {"1": '
    (data / "team.json").write_text(broken, encoding="utf-8")
    done = _console("/help\n", data=data)
    assert done.returncode == 3
    assert str(data / "team.json") in done.stderr and "无法解析" in done.stderr
    assert "可用的命令" not in done.stdout
    assert (data / "team.json").read_text(encoding="utf-8") == broken


def test_a_bad_setting_stops_the_bot_with_one_line_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert 'checkin_deadline = "08:50"' in text
    config.write_text(text.replace('checkin_deadline = "08:50"', 'checkin_deadline = "8:5O"'))
    done = _console("/help\n", "--config", str(config))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "checkin_deadline" in line and "8:5O" in line


def test_a_bad_start_time_gets_a_clear_message() -> None:
    done = _console("/help\n", "--time", "tomorrow")
    assert done.returncode == 2
    assert '--time 格式应为 "YYYY-MM-DD HH:MM"' in done.stderr


async def test_a_message_telegram_would_refuse_is_shown_not_hidden(tmp_path: Path) -> None:
    settings = parse_settings(example_raw())
    out = io.StringIO()
    console = Console(settings, tmp_path, local_time(START, settings), out)
    await console.app.initialize()
    try:
        with pytest.raises(BadRequest):
            await console.app.bot.send_message(settings.team_chat, "长" * 5000)
        with pytest.raises(BadRequest):
            await console.app.bot.send_message(settings.team_chat, "<b>未闭合", parse_mode="HTML")
    finally:
        await console.app.shutdown()
    lines = out.getvalue().splitlines()
    assert lines == [
        "[团队群] ⚠️ Telegram 会拒绝这条消息：Bad Request: message is too long",
        "[团队群] ⚠️ Telegram 会拒绝这条消息：Bad Request: can't parse entities: unclosed tag <b>",
    ]
    assert [line for line, _ in console.failures] == [0, 0]  # strict mode counts them too
    assert [text for _, text in console.failures] == lines


async def test_a_sent_photo_and_document_are_shown_as_paths_in_the_data_folder(
    tmp_path: Path,
) -> None:
    settings = parse_settings(example_raw())
    out = io.StringIO()
    console = Console(settings, tmp_path, local_time(START, settings), out)
    png = (ROOT / "samples" / "checkin-qianniu.png").read_bytes()
    await console.app.initialize()
    try:
        await console.app.bot.send_photo(settings.team_chat, photo=png, filename="图.png")
        chat = settings.team_chat
        await console.app.bot.send_document(chat, document=b"xlsx", filename="表.xlsx")
    finally:
        await console.app.shutdown()
    width, height = png_size(png)
    assert out.getvalue().splitlines() == [
        f"[团队群] 🤖 🖼 图片 sent/图.png（{width}×{height}）",
        "[团队群] 🤖 📎 文件 sent/表.xlsx",
    ]
    assert (tmp_path / "sent" / "图.png").read_bytes() == png
    assert (tmp_path / "sent" / "表.xlsx").read_bytes() == b"xlsx"
