"""An in-process stand-in for the Telegram Bot API: console mode and tests run on it.

``LocalBotApi`` answers the Bot API methods the bot uses, keeps every call, serves
uploaded files, and refuses private messages to users who never sent /start privately,
as Telegram does. ``LocalRequest`` plugs it into python-telegram-bot as its transport.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.clock import Clock

BOT_USER = {
    "id": 999000,
    "is_bot": True,
    "first_name": "客服值班机器人",
    "username": "kefu_duty_bot",
}
BOT_USER_FULL = {
    **BOT_USER,
    "can_join_groups": True,
    "can_read_all_group_messages": True,
    "supports_inline_queries": True,
}

IGNORED = {
    "setMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "deleteWebhook",
    "setWebhook",
    "close",
    "logOut",
    "pinChatMessage",
    "unpinChatMessage",
}
TEXT_LIMIT = 4096  # characters after entity parsing, for text; captions allow 1024
CAPTION_LIMIT = 1024
_HTML_TAGS = "b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|a|tg-emoji|code|pre|blockquote"
_HTML_TOKEN = re.compile(rf"<(/?)({_HTML_TAGS})(?:\s[^<>]*)?>|<")


def check_text(text: str, parse_mode: str | None, limit: int) -> str | None:
    """Return Telegram's complaint about a text it would refuse, or None when it is fine."""
    plain = text
    if parse_mode == "HTML":
        stack: list[str] = []
        for match in _HTML_TOKEN.finditer(text):
            token = match.group(0)
            if token == "<":
                return "Bad Request: can't parse entities: unsupported start tag"
            if not match.group(1):
                stack.append(match.group(2))
            elif not stack or stack.pop() != match.group(2):
                return f"Bad Request: can't parse entities: unmatched end tag {token}"
        if stack:
            return f"Bad Request: can't parse entities: unclosed tag <{stack[-1]}>"
        plain = html.unescape(re.sub(r"<[^<>]*>", "", text))
    if len(plain) > limit:
        return "Bad Request: message is too long"
    return None


@dataclass(frozen=True)
class Upload:
    """A file the bot sent (a photo or a document) with the name it gave it."""

    filename: str
    content: bytes


@dataclass
class Sent:
    """One call the bot made."""

    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def upload(self) -> Upload | None:
        """Return the photo or document the call carried (None for other calls)."""
        value = self.params.get("photo") or self.params.get("document")
        return value if isinstance(value, Upload) else None

    @property
    def text(self) -> str:
        """Return the text (or caption) of a sent or edited message."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        """Return the chat the call went to."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Return the inline buttons of the call, flattened."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [button for row in rows for button in row]


def png_size(content: bytes) -> tuple[int, int]:
    """Return a PNG's width and height from its header ((0, 0) for anything else)."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or len(content) < 24:
        return 0, 0
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


@dataclass
class Fault:
    """An answer the local API gives instead of the real one, a number of times."""

    method: str
    code: int
    description: str
    times: int
    chat_id: int | None
    retry_after: int | None


@dataclass
class LocalBotApi:
    """The Bot API's state as this bot sees it: chats, messages, files and calls."""

    clock: Clock
    group_titles: dict[int, str] = field(default_factory=dict)
    calls: list[Sent] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    started: set[int] = field(default_factory=set)  # users who sent /start privately
    files: dict[str, bytes] = field(default_factory=dict)
    on_call: Callable[[Sent], None] | None = None
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)  # answers to give instead (tests)
    _next_message_id: int = 1000

    def fail(
        self,
        method: str,
        code: int,
        description: str,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail."""
        self.faults.append(Fault(method, code, description, times, chat_id, retry_after))

    def add_file(self, content: bytes) -> tuple[str, str]:
        """Store an uploaded file; return its file id and unique id."""
        unique = secrets.token_hex(8)
        file_id = f"local-{unique}"
        self.files[file_id] = content
        return file_id, unique

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call as Telegram would."""
        call = Sent(method, params)
        self.calls.append(call)
        try:
            self._injected(method, params)
            result = self._dispatch(method, params)
        except _ApiError as err:
            call.result = {"error": err.description}
            if self.on_call:
                self.on_call(call)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": err.code,
                "description": err.description,
            }
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            return err.code, body
        call.result = result
        if self.on_call:
            self.on_call(call)
        return 200, {"ok": True, "result": result}

    def chat(self, chat_id: int) -> dict[str, Any]:
        """Return the Chat object of a chat id."""
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}
        return {
            "id": chat_id,
            "type": "supergroup",
            "title": self.group_titles.get(chat_id, f"群 {chat_id}"),
        }

    def _injected(self, method: str, params: dict[str, Any]) -> None:
        for fault in self.faults:
            if fault.times <= 0 or fault.method != method:
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.times -= 1
            raise _ApiError(fault.code, fault.description, fault.retry_after)

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER_FULL
        if method in IGNORED:
            return True
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            return self._send(params)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit(params)
        if method == "answerCallbackQuery" and len(str(params.get("text") or "")) > 200:
            raise _ApiError(400, "Bad Request: message is too long")  # Telegram's toast limit
        if method in ("answerCallbackQuery", "answerInlineQuery", "leaveChat", "deleteMessage"):
            return True
        if method == "getFile":
            file_id = params["file_id"]
            if file_id not in self.files:
                raise _ApiError(400, "Bad Request: invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": file_id.removeprefix("local-"),
                "file_size": len(self.files[file_id]),
                "file_path": file_id,
            }
        if method == "getChat":
            return self.chat(int(params["chat_id"]))
        self.unexpected.append(method)
        raise _ApiError(400, f"Bad Request: method {method} is not known to the local API")

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id > 0 and chat_id not in self.started:
            raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        self._check(params)
        self._next_message_id += 1
        message = {
            "message_id": self._next_message_id,
            "date": self._now(),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        for kind in ("photo", "document"):
            upload = params.get(kind)
            if isinstance(upload, Upload):
                message[kind] = self._stored(kind, upload)
        if params.get("reply_markup"):
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        self._check(params)
        markup = params.get("reply_markup") or None
        if isinstance(markup, str):
            markup = json.loads(markup)
        text = params.get("text", message.get("text"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            # Telegram refuses an edit that changes nothing; a double press hits this.
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        if "text" in params:
            message["text"] = params["text"]
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def _stored(self, kind: str, upload: Upload) -> Any:
        """Keep an uploaded file and describe it as Telegram does in the sent message."""
        file_id, unique = self.add_file(upload.content)
        size = len(upload.content)
        if kind == "document":
            return {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": upload.filename,
                "file_size": size,
            }
        width, height = png_size(upload.content)
        return [
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "width": width,
                "height": height,
                "file_size": size,
            }
        ]

    @staticmethod
    def _check(params: dict[str, Any]) -> None:
        # Telegram refuses over-long or badly formed HTML text; so must the stand-in, or
        # such bugs only show up in production.
        mode = params.get("parse_mode")
        if "text" in params and not str(params["text"]).strip():
            problem = "Bad Request: message text is empty"
        elif "text" in params:
            problem = check_text(str(params["text"]), mode, TEXT_LIMIT)
        elif params.get("caption"):
            problem = check_text(str(params["caption"]), mode, CAPTION_LIMIT)
        else:
            problem = None
        if problem:
            raise _ApiError(400, problem)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())


class _ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class LocalRequest(BaseRequest):
    """python-telegram-bot's transport, answered by a LocalBotApi instead of the network."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """Answers are immediate; no timeout applies."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer a Bot API call or a file download."""
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            if file_id not in self.api.files:
                return 404, b"not found"
            return 200, self.api.files[file_id]
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None:
            # Files sent as bytes travel as multipart parts named after their parameter.
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                data = content if isinstance(content, bytes) else content.read()
                params[name] = Upload(filename or name, data)
        status, body = self.api.handle(api_method, params)
        return status, json.dumps(body).encode()
