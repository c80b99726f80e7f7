"""Builds Telegram updates as Telegram would send them (console mode and tests)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.transport.local import LocalBotApi


@dataclass(frozen=True)
class Person:
    """A Telegram user as updates show them."""

    user_id: int
    first_name: str
    username: str | None = None

    def as_user(self) -> dict[str, Any]:
        """Return the User object."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        return user


class UpdateFactory:
    """Makes message and button-press updates with increasing ids."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def message(
        self,
        person: Person,
        chat_id: int,
        text: str | None = None,
        *,
        when: datetime | None = None,
        photo: bytes | None = None,
        document: tuple[bytes, str, str] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return a message update; ``photo``/``document`` bytes are uploaded to the API."""
        moment = when or self.api.clock.now()
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(moment.timestamp()),
            "chat": self.api.chat(chat_id),
            "from": person.as_user(),
        }
        key = "caption" if (photo is not None or document is not None) else "text"
        if text is not None:
            message[key] = text
            if text.startswith("/"):
                length = len(text.split()[0]) if text.split() else 1
                message[f"{key}_entities" if key == "caption" else "entities"] = [
                    {"type": "bot_command", "offset": 0, "length": length}
                ]
        if photo is not None:
            file_id, unique = self.api.add_file(photo)
            message["photo"] = [
                {
                    "file_id": file_id,
                    "file_unique_id": unique,
                    "width": 1280,
                    "height": 720,
                    "file_size": len(photo),
                }
            ]
        if document is not None:
            content, file_name, mime = document
            file_id, unique = self.api.add_file(content)
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": file_name,
                "mime_type": mime,
                "file_size": len(content),
            }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"update_id": next(self._ids), "message": message}

    def press(self, person: Person, message: dict[str, Any], data: str) -> dict[str, Any]:
        """Return the update of a button press on a message the bot sent."""
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": person.as_user(),
                "chat_instance": "local",
                "message": message,
                "data": data,
            },
        }

    def inline_query(self, person: Person, query: str) -> dict[str, Any]:
        """Return an inline query update (typing ``@bot query`` in any chat)."""
        return {
            "update_id": next(self._ids),
            "inline_query": {
                "id": str(next(self._ids)),
                "from": person.as_user(),
                "query": query,
                "offset": "",
            },
        }
