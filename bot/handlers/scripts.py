"""Handlers of the scripts feature."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers.common import CommandSpec
from bot.services import Services

TITLE = "scripts"
COMMANDS: list[CommandSpec] = []


def register(app: Application, svc: Services) -> None:
    """Wire the scripts handlers, timers and planners."""
