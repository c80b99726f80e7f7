"""The check-in screenshot in a Telegram message, downloaded through the Bot API on demand."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.services.checkin import Download

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramScreenshot:
    """A photo or image file sent to the bot; a ``Screenshot`` for the check-in service."""

    bot: Bot
    file_id: str
    unique_id: str

    async def fetch(self) -> Download:
        """Return the file's bytes, or the reason it could not be downloaded."""
        try:
            file = await self.bot.get_file(self.file_id)
            return Download(bytes(await file.download_as_bytearray()))
        except (TelegramError, OSError) as err:
            log.warning("could not download check-in image %s: %s", self.file_id, err)
            return Download(None, f"下载失败：{err}")


def screenshot_in(message: Message, bot: Bot) -> TelegramScreenshot | None:
    """Return the photo (its largest size) or the image file of a message, if it has one."""
    if message.photo:
        biggest = message.photo[-1]
        return TelegramScreenshot(bot, biggest.file_id, biggest.file_unique_id)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return TelegramScreenshot(bot, document.file_id, document.file_unique_id)
    return None
