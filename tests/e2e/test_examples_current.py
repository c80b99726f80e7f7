"""The console transcripts in docs/examples show what the bot says today, and replay cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.regen_examples import EXAMPLES, main, replay

BANNER = "控制台模式 · 模拟时间 2026-11-23 08:30 Mon · 当前身份 90号主管 周主管@团队群"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.txt")), ids=lambda p: p.name)
def test_the_transcript_matches_a_fresh_console_run(path: Path) -> None:
    assert replay(path) == path.read_text(encoding="utf-8"), (
        f"{path.name} is out of date: run .venv/bin/python tools/regen_examples.py"
    )


def _transcript(folder: Path, *inputs: str) -> Path:
    """Write a transcript that records ``inputs`` and nothing the bot said."""
    path = folder / "example.txt"
    echoes = [f"> 90号主管 周主管@团队群: {text}" for text in inputs]
    path.write_text("\n".join([BANNER, *echoes, ""]), encoding="utf-8")
    return path


def test_a_transcript_sending_a_missing_file_is_refused_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _transcript(tmp_path, "/help", ":as 2", ":photo samples/no-such-shot.png /checkin")
    before = path.read_text(encoding="utf-8")
    assert main([str(path)]) == 1
    assert path.read_text(encoding="utf-8") == before
    err = capsys.readouterr().err
    assert f"{path}:4: 找不到文件 'samples/no-such-shot.png'" in err
    assert "not written: example.txt" in err


def test_every_failed_console_command_in_a_transcript_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _transcript(
        tmp_path, ":press 批准", "/help", ":chat kitchen", ":bogus", ":wait soon", ":as 无名氏"
    )
    before = path.read_text(encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == before
    failed = [line for line in capsys.readouterr().err.splitlines() if line.startswith(str(path))]
    assert [line.split(": ", 1)[0] for line in failed] == [
        f"{path}:{line}" for line in (2, 4, 5, 6, 7)
    ]
    assert "没有按钮 '批准'" in failed[0] and "未知控制台命令 :bogus" in failed[2]


def test_a_clean_transcript_that_is_out_of_date_is_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _transcript(tmp_path, ":as 1", ":now")
    assert main([str(path)]) == 0
    assert path.read_text(encoding="utf-8").splitlines()[-4:] == [
        "> 90号主管 周主管@团队群: :as 1",
        "当前身份：1号客服 张三@团队群",
        "> 1号客服 张三@团队群: :now",
        "模拟时间：2026-11-23 08:30 Mon",
    ]
    assert "1 transcript(s) rewritten: example.txt" in capsys.readouterr().out
