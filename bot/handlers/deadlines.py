"""Handlers of the deadlines feature."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.common import CommandSpec
from bot.services import Services

TITLE = "deadlines"
COMMANDS: list[CommandSpec] = []


def register(app: Application, svc: Services) -> None:
    """Wire the deadlines handlers, timers and planners."""
