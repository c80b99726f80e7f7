"""The bot token never reaches a log line, and a wrong Bot API address gets one clear line."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logs import MASK, SecretFilter
from bot.main import check_base_url, main

TOKEN = "123456:SECRET-token-value"


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(SecretFilter([TOKEN]))
    logger = logging.getLogger(f"test-secrets-{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return logger


def test_the_token_in_a_message_its_arguments_and_a_traceback_is_masked() -> None:
    stream = io.StringIO()
    log = _logger(stream)
    log.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning(f"plain https://api.telegram.org/bot{TOKEN}/sendMessage")
    try:
        raise ValueError(f"InvalidURL: http://x/bot{TOKEN}/getMe")
    except ValueError:
        log.exception("start-up failed")
    written = stream.getvalue()
    assert TOKEN not in written
    assert written.count(MASK) == 3
    assert "InvalidURL" in written and "start-up failed" in written


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:8081/bot", None),
        ("https://api.example.test/bot/", None),
        ("http://127.0.0.1:8081", "应以 /bot 结尾"),
        ("127.0.0.1:8081/bot", "应以 http:// 或 https:// 开头"),
        ("ftp://127.0.0.1/bot", "应以 http:// 或 https:// 开头"),
    ],
)
def test_the_bot_api_address_is_checked_at_start(url: str, problem: str | None) -> None:
    found = check_base_url(url)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_an_address_without_bot_stops_with_one_line_and_no_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")
    assert main(["--config", "config.example.toml", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "应以 /bot 结尾" in err
    assert TOKEN not in err
