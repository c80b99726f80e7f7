"""The callback context of this bot: PTB's context with the services at hand."""

from __future__ import annotations

from telegram.ext import CallbackContext, ExtBot

from bot.services.container import Services


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot, with the services at hand."""

    @property
    def svc(self) -> Services:
        """Return the application's services."""
        return self.application.bot_data["svc"]
