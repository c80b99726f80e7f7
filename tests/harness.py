"""The offline test harness: the real application on the local Bot API, with a manual clock."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

import bot.persistence.storage as storage
from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings, parse_settings
from bot.handlers.context import BotContext
from bot.services.checkin import Reader
from bot.services.container import Services
from bot.transport.local import LocalBotApi, LocalRequest, Sent
from bot.transport.updates import Person, UpdateFactory

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
TZ_NAME = "Asia/Shanghai"


def example_raw() -> dict[str, Any]:
    """Return the demo settings as a dict, for tests to adjust."""
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def local_time(text: str, settings: Settings) -> datetime:
    """Return ``YYYY-MM-DD HH:MM`` as an aware datetime in the team's timezone."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=settings.timezone)


class Crash(BaseException):
    """Stands for the process being killed (nothing after it runs)."""


def die_at_write(k: int) -> Callable[[], None]:
    """Make the k-th data file write from now on kill the process; return what disarms it."""
    real = storage.write_atomically
    count = 0

    def dying(path: Path, text: str) -> None:
        nonlocal count
        count += 1
        if count == k:
            raise Crash
        real(path, text)

    storage.write_atomically = dying  # type: ignore[assignment]
    return lambda: setattr(storage, "write_atomically", real)


class Harness:
    """Drives the real application offline: send messages, press buttons, move the clock."""

    def __init__(
        self,
        data_dir: Path,
        start: str = "2026-11-23 08:30",
        raw: dict[str, Any] | None = None,
        live: bool = False,
        reader: Reader | None = None,
        settle: bool = False,
    ) -> None:
        self.settings = parse_settings(raw if raw is not None else example_raw())
        self.data_dir = data_dir
        self.live = live  # wake the scheduler through the JobQueue, as the Telegram mode does
        # no OCR worker in handler tests: screenshots are read only by a reader a test gives
        self.reader = reader
        self.settle = settle  # freeze start-up objects out of GC, as a real start does
        self.clock = ManualClock(local_time(start, self.settings))
        self.api = LocalBotApi(self.clock, {self.settings.team_chat: "团队群"})
        self.errors: list[BaseException] = []
        self.app = self._build()
        self.updates = UpdateFactory(self.api)

    def _build(self) -> Application:
        app = build_application(
            self.settings,
            self.data_dir,
            self.clock,
            request=LocalRequest(self.api),
            live=self.live,
            make_reader=(lambda _conf: self.reader) if self.reader is not None else None,
            settle=self.settle,
        )

        async def collect(_update: object, context: BotContext) -> None:
            if context.error is not None:
                self.errors.append(context.error)

        app.add_error_handler(collect)
        return app

    async def __aenter__(self) -> Harness:
        await self.app.initialize()
        await self.app.post_init(self.app)
        self.api.calls.clear()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    async def kill_during(self, to: str, disarm: Callable[[], None]) -> bool:
        """Advance to ``to`` unless a ``Crash`` kills the process on the way; start again.

        ``disarm`` removes the fault before the new start. Return whether the process died.
        """
        try:
            await self.advance(to)
        except Crash:
            died = True
        else:
            died = False
        disarm()
        await self.restart()
        return died

    async def restart(self) -> None:
        """Stop the application and build a new one over the same data folder and clock."""
        await self.__aexit__()
        self.app = self._build()
        await self.app.initialize()
        await self.app.post_init(self.app)

    @property
    def svc(self) -> Services:
        """Return the application's services."""
        return self.app.bot_data["svc"]

    def person(self, who: str | int) -> Person:
        """Return a member by 工号 (str) or any user by id (int)."""
        if isinstance(who, str):
            member = self.svc.members.by_work_no(who)
            if member is None:
                raise KeyError(f"no member with 工号 {who}")
            return Person(member.user_id, member.name)
        member = self.svc.members.get(who)
        return Person(who, member.name if member else f"stranger{who}")

    def at(self, text: str) -> datetime:
        """Return a local ``YYYY-MM-DD HH:MM`` as an aware datetime."""
        return local_time(text, self.settings)

    async def send(
        self,
        who: str | int,
        text: str | None = None,
        *,
        private: bool = False,
        chat_id: int | None = None,
        **extra: Any,
    ) -> list[Sent]:
        """Process a message from ``who``; return the calls the bot made for it."""
        person = self.person(who)
        chat = (
            chat_id
            if chat_id is not None
            else (person.user_id if private else self.settings.team_chat)
        )
        if chat > 0:
            self.api.started.add(person.user_id)
        return await self.process(self.updates.message(person, chat, text, **extra))

    async def press(self, who: str | int, call: Sent, button_text: str) -> list[Sent]:
        """Press a button of a message the bot sent."""
        button = next(b for b in call.buttons if b["text"] == button_text)
        message = call.result if isinstance(call.result, dict) else {}
        return await self.process(
            self.updates.press(self.person(who), message, button["callback_data"])
        )

    async def process(self, data: dict[str, Any]) -> list[Sent]:
        """Process one raw update; return the calls it caused."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(data, self.app.bot))
        await self.svc.scheduler.run_due()
        return self.api.calls[before:]

    async def advance(self, to: str) -> list[Sent]:
        """Move the clock to a local time, delivering everything due on the way."""
        before = len(self.api.calls)
        await self.svc.scheduler.advance_to(self.at(to), self.clock.set)
        return self.api.calls[before:]

    def texts(self, calls: list[Sent] | None = None) -> list[str]:
        """Return the texts of sent/edited messages."""
        calls = self.api.calls if calls is None else calls
        return [
            c.text
            for c in calls
            if c.method in ("sendMessage", "editMessageText", "sendPhoto")
            and not (isinstance(c.result, dict) and "error" in c.result)
        ]

    def assert_clean(self) -> None:
        """Fail when a handler raised or the bot called a method the local API does not know."""
        assert not self.errors, f"handler errors: {self.errors!r}"
        assert not self.api.unexpected, f"unexpected Bot API methods: {self.api.unexpected}"
