"""Handlers of the handover feature."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.common import CommandSpec
from bot.services import Services

TITLE = "handover"
COMMANDS: list[CommandSpec] = []


def register(app: Application, svc: Services) -> None:
    """Wire the handover handlers, timers and planners."""
