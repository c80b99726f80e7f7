"""Command line: run against Telegram, run in console mode, or check the settings."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Update

from bot.app import build_application
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.persistence.storage import StorageCorrupt

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config.example.toml"
DEFAULT_CONFIG = ROOT / "config.toml"
DEFAULT_DATA = ROOT / "storage"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="bot.py", description="客服值班机器人。没有 TELEGRAM_BOT_TOKEN 时以控制台模式运行。"
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "check-config", "check-scripts"],
        help="run（默认）、check-config（只检查配置文件）或 check-scripts（检查全部话术模板）",
    )
    parser.add_argument("--console", action="store_true", help="控制台模式（无需 Telegram）")
    parser.add_argument("--config", type=Path, help="配置文件（默认 config.toml）")
    parser.add_argument("--data", type=Path, help="数据目录（默认 storage/）")
    parser.add_argument("--time", help='控制台模式的起始模拟时间 "YYYY-MM-DD HH:MM"')
    parser.add_argument(
        "--strict",
        action="store_true",
        help="控制台模式：有控制台命令失败或消息会被拒绝时，结束后列出行号并以状态 1 退出",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the bot; return the process exit status."""
    args = parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    console = args.console or not token
    config_path = args.config or (
        DEFAULT_CONFIG if DEFAULT_CONFIG.exists() or not console else EXAMPLE_CONFIG
    )
    try:
        settings = load_settings(config_path)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(
            f"配置文件 {config_path} 有效：{len(settings.members)} 名成员，"
            f"{len(settings.shifts)} 个班次。"
        )
        return 0
    if args.command == "check-scripts":
        return _check_scripts(settings)
    try:
        if console:
            return _console(settings, args)
        return _live(settings, args, token)
    except StorageCorrupt as err:
        print(err, file=sys.stderr)
        return 3


def _check_scripts(settings: Settings) -> int:
    """Render every reply template with its sample values; name file, line, reason per error."""
    from bot.scripts import check_folder

    scripts = settings.scripts
    count, problems = check_folder(scripts, settings.shop, SystemClock(), settings.timezone)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"话术模板检查未通过：{len(problems)} 处问题（{count} 个正常）。", file=sys.stderr)
        return 1
    print(f"话术模板检查通过：{scripts.folder} 中共 {count} 个模板。")
    return 0


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    try:
        start = (
            datetime.strptime(args.time, "%Y-%m-%d %H:%M").replace(tzinfo=settings.timezone)
            if args.time
            else SystemClock().now()
        )
    except ValueError:
        print('--time 格式应为 "YYYY-MM-DD HH:MM"，例如 "2026-11-23 08:30"', file=sys.stderr)
        return 2
    temporary = args.data is None
    data_dir = Path(tempfile.mkdtemp(prefix="kefu-console-")) if temporary else args.data
    setup_logging(data_dir, settings.log_days, console_mode=True)
    try:
        return asyncio.run(run_console(settings, data_dir, start, strict=args.strict))
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def check_base_url(raw: str) -> str | None:
    """Return a problem with ``TELEGRAM_API_BASE_URL`` in one Chinese line (None: fine)."""
    url = urlsplit(raw)
    if url.scheme not in ("http", "https") or not url.netloc:
        return f"TELEGRAM_API_BASE_URL 应以 http:// 或 https:// 开头，收到 {raw!r}"
    if not url.path.rstrip("/").endswith("/bot"):
        return (
            f"TELEGRAM_API_BASE_URL 应以 /bot 结尾（例如 http://127.0.0.1:8081/bot），收到 {raw!r}"
        )
    return None


def _live(settings: Settings, args: argparse.Namespace, token: str) -> int:
    base_url = os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or None
    problem = check_base_url(base_url) if base_url else None
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if ":" not in token or any(c.isspace() for c in token):
        print(
            "TELEGRAM_BOT_TOKEN 格式不对：应为 BotFather 给的 123456:ABC… 形式。", file=sys.stderr
        )
        return 2
    data_dir = args.data or DEFAULT_DATA
    setup_logging(data_dir, settings.log_days, console_mode=False, secrets=[token])
    app = build_application(
        settings,
        data_dir,
        SystemClock(),
        token=token,
        base_url=base_url,
        live=True,
    )
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
