"""Handlers of the remarks feature."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.common import CommandSpec
from bot.services import Services

TITLE = "remarks"
COMMANDS: list[CommandSpec] = []


def register(app: Application, svc: Services) -> None:
    """Wire the remarks handlers, timers and planners."""
