"""Logging: stderr plus a daily-rotating file under the data folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


class SecretFilter(logging.Filter):
    """Replace secrets (the bot token) in every record before any handler writes it.

    The token appears in Bot API URLs, so an httpx error or a traceback would carry it into
    the log file and stderr; the masked record keeps everything else.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def mask(self, text: str) -> str:
        """Return ``text`` with every secret replaced by a mark."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the message, its arguments and the formatted traceback of a record."""
        if not self.secrets:
            return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        return True


MASK = "<令牌已隐藏>"


def setup_logging(
    data_dir: Path, keep_days: int, console_mode: bool, secrets: list[str] | None = None
) -> None:
    """Log to stderr (warnings only in console mode) and to ``<data>/logs/bot.log``.

    ``secrets`` (the bot token) are masked in every line both handlers write.
    """
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
    hide = SecretFilter(secrets or [])
    for handler in (to_file, to_stderr):
        handler.addFilter(hide)
    root = logging.getLogger()
    root.handlers[:] = [to_file, to_stderr]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
