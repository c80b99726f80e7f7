"""Fixtures that start ``bot.py`` as a user would, against the fake Bot API server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.transport.local import Sent
from tests.e2e.fake_telegram import TOKEN, FakeTelegram
from tests.harness import EXAMPLE, ROOT, example_raw

TEAM_CHAT = int(example_raw()["chats"]["team"][0])
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


class BotProcess:
    """``python bot.py --config … --data …`` with a token, pointed at the fake server."""

    def __init__(self, fake: FakeTelegram, config: Path, data: Path, logs: Path) -> None:
        self.fake = fake
        self.config = config
        self.data = data
        self.logs = logs
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the bot and wait until it polls for updates (so post_init has run)."""
        assert self.proc is None, "already running"
        env = {
            k: v for k, v in os.environ.items() if "proxy" not in k.lower()
        }  # only 127.0.0.1, never through a proxy
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            NO_PROXY="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
        )
        self.starts += 1
        since = self.fake.mark()
        out = open(self.logs / f"bot-{self.starts}.out", "wb")  # noqa: SIM115 (closed by Popen's owner)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bot.py"),
                "--config",
                str(self.config),
                "--data",
                str(self.data),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        try:
            self.fake.wait_for(lambda c: c.method == "getUpdates", START_TIMEOUT, since)
        except AssertionError:
            self.stop()
            raise AssertionError(f"the bot did not start polling:\n{self.output()}") from None

    def stop(self) -> int:
        """Stop the bot as a service manager would (SIGTERM, then SIGKILL); return its status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
                raise AssertionError("the bot did not stop within 10 s of SIGTERM") from None
        return proc.returncode

    def kill(self) -> None:
        """Kill the bot with SIGKILL, as a power cut or the OOM killer would."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait(STOP_TIMEOUT)

    def output(self) -> str:
        """Return everything the bot printed in its last run."""
        path = self.logs / f"bot-{self.starts}.out"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def make_bot(fake: FakeTelegram, root: Path) -> BotProcess:
    """Return a stopped bot over a fresh data folder and a copy of the example settings."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.toml"
    shutil.copy(EXAMPLE, config)
    return BotProcess(fake, config, root / "data", root)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    """A fake Bot API server on 127.0.0.1 for the whole module."""
    server = FakeTelegram(TEAM_CHAT).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def running(fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """One bot process for the journeys that need no restart."""
    bot = make_bot(fake, tmp_path_factory.mktemp("e2e"))
    bot.start()
    try:
        yield bot
    finally:
        status = bot.stop()
        assert status == 0, f"the bot exited with {status}:\n{bot.output()}"


def texts_to(calls: list[Sent], chat_id: int) -> list[str]:
    """Return the texts of messages the bot sent to one chat."""
    return [
        c.text
        for c in calls
        if c.method == "sendMessage"
        and c.chat_id == chat_id
        and not (isinstance(c.result, dict) and "error" in c.result)
    ]
