"""`python bot.py check-scripts`: the whole catalogue passes; a broken template fails the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.config.scripts import PROJECT_ROOT


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bot.py"), "check-scripts", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=60,
    )


def test_check_scripts_passes_on_the_shipped_catalogue() -> None:
    result = run_check("--config", str(PROJECT_ROOT / "config.example.toml"))
    assert result.returncode == 0, result.stderr
    assert "话术模板检查通过" in result.stdout


def test_check_scripts_fails_naming_file_line_and_reason(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "scripts_templates" / "phone", folder / "phone")
    (folder / "phone" / "broken.j2").write_text(
        "{#\n标题: 坏模板\n分类: 电话\n#}\n您好\n{% for x in %}", encoding="utf-8"
    )
    (folder / "phone" / "sneaky.j2").write_text(
        "{#\n标题: 越界\n分类: 电话\n#}\n{{ shop.__class__ }}", encoding="utf-8"
    )
    config = (PROJECT_ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = config.replace('folder = "scripts_templates"', f'folder = "{folder.as_posix()}"')
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    result = run_check("--config", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("templates/phone/broken.j2:6: 模板语法错误") for line in lines)
    assert "templates/phone/sneaky.j2:5: 禁止访问内部属性 __class__（模板在沙箱中运行）" in lines
    assert "话术模板检查未通过：2 处问题（3 个正常）。" in lines
