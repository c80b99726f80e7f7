"""Logging: stderr plus a daily-rotating file under the data folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def setup_logging(data_dir: Path, keep_days: int, console_mode: bool) -> None:
    """Log to stderr (warnings only in console mode) and to ``<data>/logs/bot.log``."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    to_file = logging.handlers.TimedRotatingFileHandler(
        logs / "bot.log", when="midnight", backupCount=keep_days, encoding="utf-8"
    )
    to_file.setFormatter(fmt)
    to_file.setLevel(logging.INFO)
    to_stderr = logging.StreamHandler()
    to_stderr.setFormatter(fmt)
    to_stderr.setLevel(logging.WARNING if console_mode else logging.INFO)
    root = logging.getLogger()
    root.handlers[:] = [to_file, to_stderr]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
