"""A fake Telegram Bot API over real HTTP on 127.0.0.1, with long-polled getUpdates.

The answers come from ``LocalBotApi`` (the same stand-in console mode uses); this module adds
the HTTP server, form decoding as python-telegram-bot sends it, and an update queue that
``getUpdates`` long-polls like Telegram: updates stay until a later offset confirms them.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.clock import SystemClock
from bot.transport.local import LocalBotApi, Sent
from bot.transport.updates import Person, UpdateFactory

TOKEN = "123:TEST"
LONG_POLL_CAP = 2.0  # seconds; short so a stopping bot is never held up long

# Parameters whose value is a plain string; every other value arrives JSON-encoded.
STRING_PARAMS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "inline_query_id",
    "file_id",
    "url",
    "next_offset",
    "language_code",
}


class FakeTelegram:
    """The Bot API server: records calls, queues updates, serves getUpdates."""

    def __init__(self, team_chat: int) -> None:
        self.api = LocalBotApi(SystemClock(), {team_chat: "团队群"})
        self.factory = UpdateFactory(self.api)
        self.tokens: set[str] = set()
        self._queue: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._closing = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """Return the value for TELEGRAM_API_BASE_URL."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def start(self) -> FakeTelegram:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release long polls."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- what a user does -------------------------------------------------------------

    def send(self, person: Person, chat_id: int, text: str) -> int:
        """Queue a message from ``person`` in ``chat_id`` (>0: private); return its id."""
        with self._cond:
            if chat_id > 0:
                self.api.started.add(person.user_id)
            update = self.factory.message(person, chat_id, text)
            self._push(update)
        return int(update["message"]["message_id"])

    def press(self, person: Person, call: Sent, button_text: str) -> None:
        """Queue a press on a button of a message the bot sent."""
        button = next(b for b in call.buttons if b["text"] == button_text)
        with self._cond:
            message = self.api.messages[(call.chat_id or 0, int(call.result["message_id"]))]
            self._push(self.factory.press(person, message, button["callback_data"]))

    def _push(self, update: dict[str, Any]) -> None:
        self._queue.append(update)
        self._cond.notify_all()

    # --- what the test checks ---------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Sent]:
        """Return a snapshot of the calls the bot made, optionally of one method."""
        with self._cond:
            return [c for c in self.api.calls if method is None or c.method == method]

    def wait_for(
        self, predicate: Callable[[Sent], bool], timeout: float = 10.0, since: int = 0
    ) -> Sent:
        """Return the first call from index ``since`` matching ``predicate``; fail on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                for call in self.api.calls[since:]:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.text[:40]) for c in self.api.calls[since:]]
                    raise AssertionError(f"no matching call within {timeout}s; saw {seen}")
                self._cond.wait(min(left, 0.5))

    def mark(self) -> int:
        """Return the current number of calls, to look only at later ones."""
        with self._cond:
            return len(self.api.calls)

    # --- the HTTP side ----------------------------------------------------------------

    def _answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        with self._cond:
            self.tokens.add(token)
        if method == "getUpdates":
            return 200, json.dumps({"ok": True, "result": self._get_updates(params)}).encode()
        with self._cond:
            status, body = self.api.handle(method, params)
            self._cond.notify_all()
        return status, json.dumps(body, ensure_ascii=False).encode()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._cond:
            self.api.calls.append(Sent("getUpdates", params, None))
            self._cond.notify_all()
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
            while not self._queue and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return [u for u in self._queue if u["update_id"] >= offset][:limit]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self._reply(*fake._route(self.path, self.headers.get("Content-Type", ""), body))

            def do_GET(self) -> None:
                self._reply(*fake._route(self.path, "", b""))

            def _reply(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # A stopping bot drops its long poll; Telegram shrugs that off too.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                """Keep the test output quiet."""

        return Handler

    def _route(self, path: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        parts = urlparse(path).path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
        token, method = parts[0][len("bot") :], parts[1]
        if "multipart/form-data" in content_type:
            return 400, b'{"ok": false, "error_code": 400, "description": "no uploads here"}'
        if "application/json" in content_type:
            params = json.loads(body or b"{}")
        else:
            params = {
                key: _decode(key, values[-1])
                for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()
            }
        return self._answer(token, method, params)


def _decode(key: str, value: str) -> Any:
    """Undo python-telegram-bot's JSON encoding of non-string parameters."""
    if key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
