"""Handlers of the checkin feature."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.common import CommandSpec
from bot.services import Services

TITLE = "checkin"
COMMANDS: list[CommandSpec] = []


def register(app: Application, svc: Services) -> None:
    """Wire the checkin handlers, timers and planners."""
