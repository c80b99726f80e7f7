"""Console mode: the same application on a local transport, driven line by line from stdin."""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.members import Member
from bot.ocr.recorded import RecordedReader
from bot.transport.local import LocalBotApi, LocalRequest, Sent, png_size
from bot.transport.updates import Person, UpdateFactory

HELP = """控制台命令（以 : 开头，其余每行都是当前成员发给机器人的消息）：
:as <工号|姓名|用户ID>     切换当前成员（未知 ID 视为陌生人）
:chat group|private        切换到团队群 / 与机器人的私聊
:photo <路径> [说明]        发送图片（可带说明，如 /checkin）
:file <路径> [说明]         以文件形式发送
:press <按钮文字>           点击团队群或自己私聊里最近一条带该按钮的消息
:inline <关键词>            在任意聊天里输入 @机器人 关键词（内联模式）
:now                       显示模拟时间
:time <YYYY-MM-DD HH:MM>   把模拟时钟拨到该时刻，途中到期的提醒依次送出
:wait <30m|2h|1d>          让模拟时钟前进一段时间，途中到期的提醒依次送出
:help                      显示本说明
:quit                      退出"""

# How strict mode names a failed input line on stderr; tools/regen_examples.py reads it back.
FAILED_LINE = re.compile(r"^第 (\d+) 行：(.*)$")
SENT_FOLDER = "sent"  # in the data folder: photos and documents the bot sent
_TAG = re.compile(r"<a href=\"tg://user\?id=\d+\">(.*?)</a>|<[^>]+>")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$")
_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".j2": "text/plain",
    ".pdf": "application/pdf",
}


@dataclass
class Actor:
    """Who is typing, and where."""

    person: Person
    private: bool = False


class Console:
    """Reads console lines, turns them into updates, prints what the bot sends."""

    def __init__(self, settings: Settings, data_dir: Path, start: datetime, out: TextIO) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.out = out
        self.clock = ManualClock(start)
        self.api = LocalBotApi(self.clock, {settings.team_chat: "团队群"})
        if settings.leads_chat is not None:
            self.api.group_titles[settings.leads_chat] = "组长群"
        self.api.on_call = self._show
        # recorded readings of the OCR samples: at once and the same in every transcript
        self.app: Application = build_application(
            settings,
            data_dir,
            self.clock,
            request=LocalRequest(self.api),
            make_reader=lambda _conf: RecordedReader(),
        )
        self.updates = UpdateFactory(self.api)
        self.actor = Actor(Person(0, "?"))
        self.closed = False
        self.line_number = 0  # of the input line being run; 0 while starting
        self.failures: list[tuple[int, str]] = []  # failed meta-commands and refused messages

    async def run(self, lines: TextIO, echo: bool) -> int:
        """Process every line until end of input; return the exit status."""
        await self.app.initialize()
        try:
            members = self.svc.members.all()
            admin = next((m for m in members if m.role.name == "ADMIN"), None)
            first = admin or (members[0] if members else None)
            self.actor = Actor(_person(first) if first else Person(1, "访客"))
            self._say(
                f"控制台模式 · 模拟时间 {self._fmt(self.clock.now())} · "
                f"当前身份 {self._who()} · 输入 :help 查看控制台命令"
            )
            await self.app.post_init(self.app)
            for number, raw in enumerate(lines, start=1):
                if self.closed:
                    break
                self.line_number = number
                line = raw.rstrip("\n")
                if not line.strip():
                    continue
                if echo:
                    self._say(f"> {self._who()}: {line}")
                if line.strip() in (":quit", ":exit"):
                    break
                await self.handle_line(line)
        finally:
            await self.app.post_shutdown(self.app)
            await self.app.shutdown()
        return 0

    @property
    def svc(self) -> Any:
        """Return the application's services."""
        return self.app.bot_data["svc"]

    async def handle_line(self, line: str) -> None:
        """Run one console line: a meta-command or a message from the acting member."""
        if line.startswith(":"):
            name, _, rest = line[1:].partition(" ")
            handler = getattr(self, f"_meta_{name}", None)
            if handler is None:
                self._fail(f"未知控制台命令 :{name}，输入 :help 查看。")
                return
            await handler(rest.strip())
            return
        await self._message(text=line)

    async def _message(self, text: str | None, **extra: Any) -> None:
        chat_id = self.actor.person.user_id if self.actor.private else self.settings.team_chat
        if self.actor.private:
            self.api.started.add(self.actor.person.user_id)
        data = self.updates.message(self.actor.person, chat_id, text, **extra)
        await self._process(data)

    async def _process(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))
        await self.svc.checkin.settle()  # a screenshot's reading shows right after its check-in
        await self.svc.scheduler.run_due()

    async def _meta_help(self, _rest: str) -> None:
        self._say(HELP)

    async def _meta_as(self, rest: str) -> None:
        member = self._find_member(rest)
        if member is not None:
            self.actor.person = _person(member)
        elif rest.isdigit() and len(rest) > 3:
            self.actor.person = Person(int(rest), f"陌生人{rest}")
        else:
            self._fail(f"找不到成员 {rest!r}（可用工号、姓名或用户 ID）。")
            return
        self._say(f"当前身份：{self._who()}")

    async def _meta_chat(self, rest: str) -> None:
        if rest not in ("group", "private"):
            self._fail("用法：:chat group 或 :chat private")
            return
        self.actor.private = rest == "private"
        self._say(f"当前聊天：{self._where()}")

    async def _meta_photo(self, rest: str) -> None:
        await self._upload(rest, as_file=False)

    async def _meta_file(self, rest: str) -> None:
        await self._upload(rest, as_file=True)

    async def _upload(self, rest: str, as_file: bool) -> None:
        path_text, _, caption = rest.partition(" ")
        path = Path(path_text)
        if not path_text or not path.is_file():
            self._fail(
                f"找不到文件 {path_text!r}。用法：:{'file' if as_file else 'photo'} <路径> [说明]"
            )
            return
        content = path.read_bytes()
        caption_text = caption.strip() or None
        if as_file:
            mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
            await self._message(caption_text, document=(content, path.name, mime))
        else:
            await self._message(caption_text, photo=content)

    async def _meta_press(self, rest: str) -> None:
        # Look at the messages as they are now: an edit that removed the buttons removes them
        # here too, as it does in Telegram. Only in the team chat and the acting member's own
        # private chat: nobody sees the buttons of another member's private chat.
        visible = (self.settings.team_chat, self.actor.person.user_id)
        for message in sorted(
            self.api.messages.values(), key=lambda m: m["message_id"], reverse=True
        ):
            if message["chat"]["id"] not in visible:
                continue
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            button = next((b for row in rows for b in row if b.get("text") == rest), None)
            if button is None or "callback_data" not in button:
                continue
            await self._process(
                self.updates.press(self.actor.person, message, button["callback_data"])
            )
            return
        self._fail(f"最近的消息上没有按钮 {rest!r}。")

    async def _meta_inline(self, rest: str) -> None:
        await self._process(self.updates.inline_query(self.actor.person, rest))

    async def _meta_now(self, _rest: str) -> None:
        self._say(f"模拟时间：{self._fmt(self.clock.now())}")

    async def _meta_time(self, rest: str) -> None:
        try:
            target = datetime.strptime(rest, "%Y-%m-%d %H:%M").replace(
                tzinfo=self.settings.timezone
            )
        except ValueError:
            self._fail("用法：:time YYYY-MM-DD HH:MM，例如 :time 2026-11-24 08:50")
            return
        if target < self.clock.now():
            self._fail(f"模拟时钟不能倒退（现在是 {self._fmt(self.clock.now())}）。")
            return
        await self._advance(target)

    async def _meta_wait(self, rest: str) -> None:
        match = _DURATION.match(rest.strip())
        if not match:
            self._fail("用法：:wait 30m、:wait 2h 或 :wait 1d")
            return
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        await self._advance(self.clock.now() + timedelta(**{unit: int(match.group(1))}))

    async def _advance(self, target: datetime) -> None:
        await self.svc.scheduler.advance_to(target, self.clock.set)
        self._say(f"⏰ 模拟时间：{self._fmt(self.clock.now())}")

    def _find_member(self, text: str) -> Member | None:
        for member in self.svc.members.all():
            if text in (member.work_no, member.name, str(member.user_id)):
                return member
        return None

    def _who(self) -> str:
        member = self.svc.members.get(self.actor.person.user_id)
        who = member.display if member else self.actor.person.first_name
        return f"{who}@{self._where()}"

    def _where(self) -> str:
        return "私聊" if self.actor.private else "团队群"

    def _fmt(self, moment: datetime) -> str:
        return moment.astimezone(self.settings.timezone).strftime("%Y-%m-%d %H:%M %a")

    def _show(self, call: Sent) -> None:
        if call.method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            if isinstance(call.result, dict) and "error" in call.result:
                # A private chat that was never started is routine (the delivery falls back to
                # the group); anything else is a message Telegram would refuse: show it.
                if "Forbidden" not in call.result["error"]:
                    self._fail(
                        f"[{self._chat_name(call.chat_id)}] ⚠️ Telegram 会拒绝这条消息："
                        f"{call.result['error']}"
                    )
                return
            if call.upload is not None:
                self._say(f"[{self._chat_name(call.chat_id)}] 🤖 {self._saved(call)}")
                return
            prefix = "✏️ 修改" if call.method == "editMessageText" else "🤖"
            self._say(f"[{self._chat_name(call.chat_id)}] {prefix} {_plain(call)}")
            if call.buttons:
                self._say("    " + " ".join(f"[{b['text']}]" for b in call.buttons))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._say(f"    （按钮提示：{call.params['text']}）")
        elif call.method == "answerInlineQuery":
            results = call.params.get("results") or []
            titles = [r.get("title", "") for r in results] if isinstance(results, list) else []
            self._say("[内联结果] " + ("；".join(titles) if titles else "无匹配"))
        elif call.method == "leaveChat":
            self._say(f"[{call.chat_id}] 🚪 机器人退出了未配置的群")

    def _saved(self, call: Sent) -> str:
        """Write a sent photo or document into the data folder; describe it by that path."""
        upload = call.upload
        if upload is None:
            return ""
        folder = self.data_dir / SENT_FOLDER
        folder.mkdir(exist_ok=True)
        name = Path(upload.filename).name
        (folder / name).write_bytes(upload.content)
        # The path relative to the data folder, so transcripts read the same on every machine.
        if call.method == "sendPhoto":
            width, height = png_size(upload.content)
            return f"🖼 图片 {SENT_FOLDER}/{name}（{width}×{height}）"
        return f"📎 文件 {SENT_FOLDER}/{name}"

    def _chat_name(self, chat_id: int | None) -> str:
        if chat_id is None:
            return "?"
        if chat_id < 0:
            return self.api.group_titles.get(chat_id, f"群 {chat_id}")
        member = self.svc.members.get(chat_id)
        return f"私聊 {member.name if member else chat_id}"

    def _fail(self, text: str) -> None:
        """Print why the current line failed and remember it for strict mode."""
        self.failures.append((self.line_number, text))
        self._say(text)

    def _say(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.out.write(text + "\n")
            self.out.flush()
        except BrokenPipeError:
            self.closed = True  # the reader went away (piped into `head`): stop quietly


def _person(member: Member) -> Person:
    return Person(member.user_id, member.name, None)


def _plain(call: Sent) -> str:
    text = call.text
    if call.params.get("parse_mode") == "HTML":
        text = html.unescape(_TAG.sub(lambda m: f"@{m.group(1)}" if m.group(1) else "", text))
    return text


async def run_console(
    settings: Settings,
    data_dir: Path,
    start: datetime,
    lines: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    strict: bool = False,
    err: TextIO = sys.stderr,
) -> int:
    """Run console mode until end of input; when strict, any failed line makes the status 1."""
    console = Console(settings, data_dir, start, out)
    status = await console.run(lines, echo=not lines.isatty())
    if not strict or not console.failures:
        return status
    for number, text in console.failures:
        err.write(f"第 {number} 行：{' '.join(text.split())}\n")
    err.write(f"严格模式：{len(console.failures)} 处控制台命令失败或消息会被拒绝。\n")
    return 1
