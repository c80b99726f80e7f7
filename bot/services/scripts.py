"""The scripts service: finding a script, asking for its missing values, uploads and reloads.

The catalogue and the Jinja renderer are ``ScriptBook`` (bot/scripts.py); this service holds
the use cases around it and what a member is in the middle of (a fill-in, a menu's values).
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.config.scripts import ScriptsSettings
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.text import TELEGRAM_LIMIT
from bot.scripts import (
    MAX_SOURCE,
    NAME_RE,
    Script,
    ScriptBook,
    ScriptInvalid,
    Variable,
    missing_text,
    parse_assignments,
)
from bot.services.messenger import Button, Keyboard

UPLOAD_HELP = (
    "上传话术模板（仅主管）：把 .j2 文件以“文件”形式私聊发给我，"
    "并在文件说明里写上话术名称（分类文件夹/文件名），例如 followup/visit1。\n"
    "不写说明时，按文件名替换同名的已有话术。\n"
    "上传的模板会先像 check-scripts 一样检查：有错会说明原因并保留旧版本；"
    "通过后立即生效，旧版本另存备份。模板写法见 docs/scripts.md。"
)

Where = tuple[int, int]  # (user id, chat id): one fill-in per member per chat


@dataclass
class Fill:
    """A script being filled in one answer at a time."""

    name: str
    values: dict[str, str]
    missing: list[str]  # variable names still to ask, in order
    total: int
    at: datetime  # the last question; a member silent for too long starts again


@dataclass(frozen=True)
class Step:
    """What to send after a step of /script: the text, and whether a question is open."""

    text: str
    asking: bool = False  # the member's next message answers a question
    finished: bool = False  # the text is the script itself (or why it could not be made)


@dataclass(frozen=True)
class Lookup:
    """The scripts a /script query names and the values typed with it."""

    query: str
    scripts: list[Script]
    values: dict[str, str]


@dataclass(frozen=True)
class Menu:
    """A message of buttons to browse or choose scripts."""

    text: str
    keyboard: Keyboard


@dataclass(frozen=True)
class InlineOffer:
    """One inline-mode result: a rendered script, or a note of what it still needs."""

    id: str
    title: str
    description: str
    text: str


@dataclass
class ScriptService:
    """Reply scripts (话术) for the team (``svc.scripts``)."""

    book: ScriptBook
    settings: ScriptsSettings
    data_root: Path
    _fills: dict[Where, Fill] = field(default_factory=dict, init=False)
    # Values typed with a keyword that matched several scripts, kept per menu message
    # (user, chat, message), so values typed for one menu never fill another one.
    _pending: dict[tuple[int, int, int], dict[str, str]] = field(default_factory=dict, init=False)

    # ---- the catalogue, for other features and browsing -----------------------------

    def names(self) -> list[str]:
        """Return every script name, sorted."""
        return self.book.names()

    def get(self, name: str) -> Script | None:
        """Return a script by exact name."""
        return self.book.get(name)

    def render(self, name: str, values: dict[str, str], member: Member | None) -> str:
        """Render a script for a member; raise UserError naming what is missing or wrong."""
        return self.book.render(name, values, member)

    def categories_menu(self) -> Menu:
        """Return the menu of categories, two a row, each with its number of scripts."""
        buttons = [
            Button(f"{label}（{len(self.book.in_category(folder))}）", f"scripts:cat:{folder}")
            for folder, label in self.book.categories()
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        return Menu("请选择话术分类：", rows)

    def browse(self, data: str) -> Menu | None:
        """Return the menu a browsing button asks for (None: that category is gone)."""
        if data == "scripts:cats":
            return self.categories_menu()
        scripts = self.book.in_category(data.removeprefix("scripts:cat:"))
        if not scripts:
            return None
        return Menu(f"【{scripts[0].category}】请选择话术：", _buttons(scripts, back=True))

    def choices(self, found: Lookup) -> Menu:
        """Return the menu of the scripts a keyword matched."""
        text = f"「{found.query}」对应 {len(found.scripts)} 条话术，请选择："
        return Menu(text, _buttons(found.scripts, back=False))

    # ---- /script and the fill-in ----------------------------------------------------

    def lookup(self, text: str) -> Lookup:
        """Read ``名称或关键词 [变量=值 …]``; raise UserError when it says nothing usable."""
        try:
            tokens = shlex.split(text)
        except ValueError:
            raise UserError("引号没有配对。") from None
        query, assignments = tokens[0], tokens[1:]
        if "=" in query or "＝" in query:
            raise UserError("请先写话术名称或关键词，再写 变量=值。")
        values = parse_assignments(assignments)
        scripts = self.book.find(query)
        if not scripts:
            raise UserError(
                f"没有找到与「{query}」相关的话术。发送 /script 按分类浏览，或换个关键词试试。"
            )
        return Lookup(query, scripts, values)

    def keep_values(
        self, user_id: int, chat_id: int, menu_id: int, values: dict[str, str]
    ) -> None:
        """Remember the values typed with a keyword until a script of its menu is picked."""
        self._pending[(user_id, chat_id, menu_id)] = values

    def take_values(self, user_id: int, chat_id: int, menu_id: int) -> dict[str, str]:
        """Return (and forget) the values typed with the keyword of a menu."""
        return self._pending.pop((user_id, chat_id, menu_id), {})

    def start(
        self,
        where: Where,
        script: Script,
        values: dict[str, str],
        typed: bool,
        member: Member,
        now: datetime,
    ) -> Step:
        """Render the script, or say what typed values lack, or ask for the first blank.

        Raise UserError for a value the script does not have (only when ``typed``).
        """
        filled = self.book.resolve(script, values, strict=typed)
        missing = script.missing(filled)
        if missing and typed:
            return Step(missing_text(script, missing, filled))
        if missing:
            self._fills[where] = Fill(
                script.name, filled, [v.name for v in missing], len(missing), now
            )
            intro = (
                f"话术「{script.title}」需要填写 {len(missing)} 项，请逐项回复（/cancel 取消）。"
            )
            return Step(f"{intro}\n{_question(missing[0], 1, len(missing))}", asking=True)
        return self._finish(script, filled, member)

    def answer(self, where: Where, text: str, member: Member, now: datetime) -> Step | None:
        """Take one answer; return the next question or the script (None: nothing open)."""
        fill = self._fills.get(where)
        script = self.book.get(fill.name) if fill else None
        if fill is None or script is None:
            self._fills.pop(where, None)
            return None
        if now - fill.at > timedelta(minutes=self.settings.ask_minutes):
            del self._fills[where]
            return Step(f"填写话术「{script.title}」已超时，请重新发送 /script {script.name}。")
        text = text.strip()
        if not text:
            return Step("", asking=True)
        fill.values[fill.missing.pop(0)] = text
        fill.at = now
        variable = script.variable(fill.missing[0]) if fill.missing else None
        if variable is not None:
            index = fill.total - len(fill.missing) + 1
            return Step(_question(variable, index, fill.total), asking=True)
        del self._fills[where]
        return self._finish(script, fill.values, member)

    def cancel(self, where: Where) -> None:
        """Drop the fill-in open in a chat, if any."""
        self._fills.pop(where, None)

    def _finish(self, script: Script, values: dict[str, str], member: Member) -> Step:
        try:
            text = self.book.render(script.name, values, member)
        except UserError as err:
            text = str(err)
        return Step(text, finished=True)

    # ---- inline mode ----------------------------------------------------------------

    def inline(self, query: str, member: Member | None) -> list[InlineOffer]:
        """Offer the scripts a half-typed query matches, rendered with what it gives."""
        try:
            tokens = shlex.split(query)
        except ValueError:
            tokens = query.split()
        words = [t for t in tokens if "=" not in t and "＝" not in t]
        values: dict[str, str] = {}
        for token in (t for t in tokens if t not in words):
            try:
                values.update(parse_assignments([token]))
            except UserError:
                continue  # half-typed "key=" while the member is still typing
        if words:
            # Exact keyword hits first (what /script would pick), then every partial match.
            exact = self.book.find(words[0]) if len(words) == 1 else []
            scripts = exact + [s for s in self.book.search(words) if s not in exact]
        else:
            scripts = [
                s for folder, _ in self.book.categories() for s in self.book.in_category(folder)
            ]
        return [self._offer(s, values, member) for s in scripts[: self.settings.inline_results]]

    def _offer(self, script: Script, values: dict[str, str], member: Member | None) -> InlineOffer:
        filled = self.book.resolve(script, values, strict=False)
        missing = script.missing(filled)
        offer_id = hashlib.sha1(script.name.encode()).hexdigest()[:32]
        if missing:
            needed = "、".join(v.description for v in missing)
            example = " ".join(f"{v.name}={v.sample or '…'}" for v in missing)
            note = (
                f"话术「{script.title}」还需要填写：{needed}。\n"
                f"请在内联查询里补上，例如：{script.title.split('（')[0]} {example}\n"
                f"或在私聊里发送 /script {script.name}"
            )
            return InlineOffer(
                offer_id, f"⚠ {script.title}（需填写：{needed}）", f"在查询里加上 {example}", note
            )
        try:
            text = self.book.render(script.name, filled, member)
        except UserError as err:
            text = str(err)
        return InlineOffer(offer_id, script.title, text[:100], text[:TELEGRAM_LIMIT])

    # ---- editing: upload and reload -------------------------------------------------

    def upload_help(self) -> str:
        """Return how to upload a template, with the category folders there are."""
        folders = "、".join(f"{folder}（{label}）" for folder, label in self.book.categories())
        return f"{UPLOAD_HELP}\n现有分类文件夹：{folders}"

    def upload_target(self, caption: str, file_name: str, size: int | None) -> str:
        """Return the script an upload adds or replaces; raise UserError before downloading."""
        try:
            name = self._upload_name(caption, file_name)
        except UserError as err:
            raise UserError(f"{err}\n\n{UPLOAD_HELP}") from None
        if size and size > MAX_SOURCE:
            raise UserError(f"文件过大（上限 {MAX_SOURCE // 1024} KB），模板未保存。")
        return name

    def _upload_name(self, caption: str, file_name: str) -> str:
        """Return the script name from the caption, else the file name of an existing one."""
        wanted = caption.strip().removesuffix(".j2")
        if wanted:
            if not NAME_RE.match(wanted):
                raise UserError(
                    f"说明里的名称 {wanted!r} 不对：应为 分类文件夹/文件名，"
                    "只用小写字母、数字、_ 或 -，例如 followup/visit1。"
                )
            return wanted
        stem = file_name.removesuffix(".j2")
        same = [n for n in self.book.names() if n.split("/")[1] == stem]
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            raise UserError(f"有多条话术叫 {stem}：{'、'.join(same)}，请在说明里写明是哪一条。")
        raise UserError(f"没有名为 {stem} 的话术，新增时请在文件说明里写上 分类文件夹/文件名。")

    def install(self, name: str, data: bytes) -> str:
        """Check an uploaded template and make it live (old file backed up); return the reply.

        Raise UserError when it is not UTF-8 or fails the check; nothing changes then.
        """
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UserError(
                "文件不是 UTF-8 编码的文本，模板未保存。请用 UTF-8 保存后重发。"
            ) from None
        existed = self.book.get(name) is not None
        try:
            script, backup = self.book.install(name, source)
        except ScriptInvalid as err:
            problems = "\n".join(f"· {p}" for p in err.problems)
            keep = "原来的版本保持不变。" if existed else "没有保存。"
            raise UserError(f"模板 {name} 有问题，{keep}\n{problems}") from None
        action = "已替换" if existed else "已新增"
        lines = [f"{action}话术「{script.title}」（{name}），已立即生效。"]
        if backup is not None:
            lines.append(f"旧版本已备份为 {backup.relative_to(self.data_root).as_posix()}")
        variables = "、".join(
            v.label + ("（必填）" if v.required else "") for v in script.variables
        )
        if variables:
            lines.append(f"变量：{variables}")
        return "\n".join(lines)

    def reload(self) -> str:
        """Reread the templates folder; a broken template keeps the old catalogue in use."""
        before = set(self.book.names())
        problems = self.book.load(strict=True)
        if problems:
            listed = "\n".join(f"· {p}" for p in problems)
            return f"话术模板有 {len(problems)} 处问题，未重新加载，仍使用原来的话术：\n{listed}"
        after = set(self.book.names())
        changes = []
        if after - before:
            changes.append(f"新增 {'、'.join(sorted(after - before))}")
        if before - after:
            changes.append(f"移除 {'、'.join(sorted(before - after))}")
        detail = f"（{'；'.join(changes)}）" if changes else ""
        return f"已重新加载 {len(after)} 条话术{detail}。"


def _buttons(scripts: list[Script], back: bool) -> Keyboard:
    """Return one button per script, and one back to the categories when browsing."""
    rows = [[Button(s.title, f"scripts:pick:{s.name}")] for s in scripts]
    if back:
        rows.append([Button("« 返回分类", "scripts:cats")])
    return rows


def _question(variable: Variable, index: int, total: int) -> str:
    example = f"（例如：{variable.sample}）" if variable.sample else ""
    return f"（{index}/{total}）请输入{variable.description}{example}："
