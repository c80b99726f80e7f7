"""The reply-script (话术) renderer: one sandboxed Jinja environment over scripts_templates/.

Each ``<category>/<name>.j2`` starts with a Jinja comment that declares the script::

    {#
    标题: 默认快递
    分类: 物流
    关键词: 快递, 申通, 补运费
    变量 customer: 顾客称呼 | 默认=亲
    变量 usual_size: 顾客平时穿的码数 | 必填 | 示例=28
    #}

The same validation (header, syntax, sandbox, undeclared names, a sample render) serves
``bot.py check-scripts``, an admin's upload and /script_reload.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import traceback
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from bot.clock import Clock
from bot.config.scripts import ScriptsSettings
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.script_limits import BoundedSandbox, RenderLimit, render_bounded

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[a-z0-9_-]+/[a-z0-9_-]+$")
VAR_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
MAX_NAME = 48  # "scripts:pick:" + name must fit Telegram's 64-byte callback data
MAX_SOURCE = 64 * 1024
# Categories in the order of a sale; folders a lead adds later follow alphabetically.
CATEGORY_ORDER = (
    "greeting",
    "stock",
    "size",
    "shipping",
    "product",
    "returns",
    "bargain",
    "courtesy",
    "order",
    "reminder",
    "thanks",
    "phone",
    "dunning",
    "followup",
    "aftersales",
)

# Values every template may use without declaring them, with what they mean (for docs/errors).
GLOBALS = {
    "shop": "店铺名称（[shop] name）",
    "hotline": "客服热线（[shop] hotline）",
    "courier": "默认快递（[scripts] courier）",
    "vip_discount": "VIP 折扣（[scripts] vip_discount）",
    "current_promotion": "当前店铺活动，如 双十一大促；没有活动时为空（[scripts] promotion）",
    "ship_days": "发货工作日，如 1-3（[scripts] ship_days）",
    "arrive_days": "到货工作日，如 3-7（[scripts] arrive_days）",
    "greeting": "按当前时间的问候语：早上好/中午好/下午好/晚上好",
    "agent_no": "客服工号",
    "agent_name": "客服姓名",
}
AGENT_NAMES = {"agent_no", "agent_name"}

_HEADER_KEYS = {
    "标题": "title",
    "title": "title",
    "分类": "category",
    "category": "category",
    "关键词": "keywords",
    "keywords": "keywords",
}
_SAMPLE_MEMBER = Member(user_id=0, work_no="1", name="张三")


@dataclass(frozen=True)
class Variable:
    """A blank (XX) of a script: its name, Chinese description, and default or sample."""

    name: str
    description: str
    required: bool
    default: str | None = None
    sample: str | None = None

    @property
    def label(self) -> str:
        """Return the Chinese description members see and may type as the name (e.g. 顾虑)."""
        return self.description


@dataclass(frozen=True)
class Script:
    """One validated reply script."""

    name: str  # "<category folder>/<file name without .j2>"
    title: str
    category: str
    keywords: tuple[str, ...]
    variables: tuple[Variable, ...]
    template: Template = field(compare=False, repr=False)

    @property
    def folder(self) -> str:
        """Return the category folder."""
        return self.name.split("/")[0]

    def variable(self, key: str) -> Variable | None:
        """Return the variable named ``key`` or described as ``key``."""
        return next((v for v in self.variables if key in (v.name, v.description)), None)

    def missing(self, values: dict[str, str]) -> list[Variable]:
        """Return the required variables ``values`` does not fill."""
        return [v for v in self.variables if v.required and not values.get(v.name)]

    def haystack(self) -> str:
        """Return the text a keyword search looks in."""
        return " ".join((self.name, self.title, self.category, *self.keywords)).lower()


@dataclass(frozen=True)
class Problem:
    """Why a template is broken, with its file and line."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class ScriptInvalid(Exception):
    """A template failed validation; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def build_environment(folder: Path) -> SandboxedEnvironment:
    """Build the one Jinja environment: sandboxed and bounded, strict, plain text."""
    return BoundedSandbox(
        loader=FileSystemLoader(str(folder), encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=False,  # scripts are plain text pasted into chat tools, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=True,
    )


def greeting_for(moment: time, settings: ScriptsSettings) -> str:
    """Return 早上好/中午好/下午好/晚上好 for a local clock time."""
    if moment < settings.morning_from or moment >= settings.evening_from:
        return "晚上好"
    if moment < settings.noon_from:
        return "早上好"
    if moment < settings.afternoon_from:
        return "中午好"
    return "下午好"


def parse_assignments(tokens: list[str]) -> dict[str, str]:
    """Parse ``key=value`` words; raise UserError naming the first malformed one."""
    values: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.replace("＝", "=").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UserError(f"参数「{token}」格式不对，应为 变量=值，例如 customer=王姐")
        if not value:
            raise UserError(f"变量 {key} 的值不能为空，例如 {key}=…")
        values[key] = value
    return values


class ScriptBook:
    """The catalogue of reply scripts and the renderer (``svc.scripts``)."""

    def __init__(
        self,
        env: SandboxedEnvironment,
        settings: ScriptsSettings,
        shop: dict[str, Any],
        clock: Clock,
        timezone: ZoneInfo,
        backups: Path | None = None,
        checked: Path | None = None,
    ) -> None:
        self.env = env
        self.settings = settings
        self.folder = settings.folder
        self.shop = shop
        self.clock = clock
        self.timezone = timezone
        self.backups = backups
        self.scripts: dict[str, Script] = {}
        # Fingerprints of templates whose sample render passed, kept in ``checked`` so a start
        # does not render every template again (a template at its bounds takes seconds).
        self.checked_file = checked
        self._checked = _read_checked(checked)

    # ---- catalogue -------------------------------------------------------------------

    def names(self) -> list[str]:
        """Return every script name, sorted."""
        return sorted(self.scripts)

    def get(self, name: str) -> Script | None:
        """Return a script by exact name."""
        return self.scripts.get(name)

    def categories(self) -> list[tuple[str, str]]:
        """Return (folder, Chinese label) of every category, in the order of a sale."""
        labels: dict[str, str] = {}
        for name in self.names():
            script = self.scripts[name]
            labels.setdefault(script.folder, script.category)

        def position(folder: str) -> tuple[int, str]:
            known = folder in CATEGORY_ORDER
            return (CATEGORY_ORDER.index(folder) if known else len(CATEGORY_ORDER), folder)

        return [(folder, labels[folder]) for folder in sorted(labels, key=position)]

    def in_category(self, folder: str) -> list[Script]:
        """Return the scripts of one category folder."""
        return [self.scripts[n] for n in self.names() if self.scripts[n].folder == folder]

    def find(self, query: str) -> list[Script]:
        """Return the scripts a name, title or keyword names; exact matches win."""
        q = query.strip().lower()
        if not q:
            return []
        scripts = [self.scripts[n] for n in self.names()]
        exact = [
            s
            for s in scripts
            if q in (s.name, s.name.split("/")[1], s.title.lower())
            or q in (k.lower() for k in s.keywords)
        ]
        return exact or self.search(q.split())

    def search(self, words: list[str]) -> list[Script]:
        """Return the scripts whose name, title or keywords contain every word."""
        lowered = [w.lower() for w in words if w.strip()]
        return [
            self.scripts[n]
            for n in self.names()
            if all(w in self.scripts[n].haystack() for w in lowered)
        ]

    def load(self, strict: bool = False) -> list[Problem]:
        """Read the whole folder; strict: change nothing when any template is broken."""
        scripts, problems = self.scan()
        if problems and strict:
            return problems
        if self.env.cache is not None:
            self.env.cache.clear()
        self.scripts = scripts
        for problem in problems:
            log.warning("reply script skipped: %s", problem)
        return problems

    def scan(self) -> tuple[dict[str, Script], list[Problem]]:
        """Validate every template of the folder; return the good ones and the problems."""
        scripts: dict[str, Script] = {}
        problems: list[Problem] = []
        passed: set[str] = set()
        loader = self.env.loader
        assert loader is not None  # build_environment always gives one
        for relative in sorted(t for t in loader.list_templates() if t.endswith(".j2")):
            name = relative.removesuffix(".j2")
            try:
                source, filename, _uptodate = loader.get_source(self.env, relative)
            except UnicodeDecodeError:
                shown = self._display(self.folder / relative)
                problems.append(Problem(shown, None, "文件不是 UTF-8 编码"))
                continue
            key = self._fingerprint(name, source)
            try:
                scripts[name] = self.validate(
                    name, source, filename or relative, rendered=key in self._checked
                )
            except ScriptInvalid as err:
                problems.extend(err.problems)
            else:
                passed.add(key)
        if passed != self._checked:
            self._checked = passed
            _write_checked(self.checked_file, passed)
        return scripts, problems

    def _fingerprint(self, name: str, source: str) -> str:
        """Return what a sample render's outcome depends on: the template and the settings."""
        basis = "\0".join((name, source, repr(self.settings), repr(sorted(self.shop.items()))))
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()

    # ---- validation ------------------------------------------------------------------

    def validate(self, name: str, source: str, filename: str, *, rendered: bool = False) -> Script:
        """Check one template exactly as check-scripts does; raise ScriptInvalid.

        ``rendered``: this very template already passed the sample render; skip it.
        """
        shown = self._display(Path(filename))

        def fail(line: int | None, reason: str) -> ScriptInvalid:
            return ScriptInvalid([Problem(shown, line, reason)])

        if not NAME_RE.match(name) or len(name) > MAX_NAME:
            raise fail(
                None,
                f"名称 {name!r} 应为 分类文件夹/文件名，只用小写字母、数字、_ 或 -，"
                f"不超过 {MAX_NAME} 个字符",
            )
        if len(source.encode("utf-8")) > MAX_SOURCE:
            raise fail(None, f"文件过大（上限 {MAX_SOURCE // 1024} KB）")
        header = _parse_header(source, shown)
        try:
            ast = self.env.parse(source, name, filename)
            code = self.env.compile(source, name, filename)
        except TemplateSyntaxError as err:
            raise fail(err.lineno, f"模板语法错误：{err.message}") from None
        _check_unsafe(ast, shown)
        declared = {v.name for v in header["variables"]}
        allowed = declared | set(GLOBALS) | set(self.env.globals)
        for unknown in sorted(meta.find_undeclared_variables(ast) - allowed):
            raise fail(
                _name_line(ast, unknown),
                f"使用了未声明的变量 {unknown}："
                f"请在开头注释里加一行 “变量 {unknown}: 说明 | 必填”",
            )
        template = self.env.template_class.from_code(
            self.env, code, self.env.make_globals(None), None
        )
        script = Script(name=name, template=template, **header)
        if rendered:
            return script
        samples = {v.name: v.sample or v.default or v.description for v in script.variables}
        try:
            text = self._render(script, samples, _SAMPLE_MEMBER, filename)
        except ScriptInvalid as err:
            raise ScriptInvalid([Problem(shown, p.line, p.reason) for p in err.problems]) from None
        if not text:
            raise fail(None, "用示例值渲染后内容为空")
        return script

    # ---- rendering -------------------------------------------------------------------

    def render(
        self, name: str, values: dict[str, str], member: Member | None, *, strict: bool = False
    ) -> str:
        """Render a script; raise UserError naming an unknown script or each missing variable.

        Values the script does not declare are ignored, unless ``strict``.
        """
        script = self.scripts.get(name)
        if script is None:
            raise UserError(f"没有名为 {name} 的话术。发送 /script 按分类浏览。")
        filled = self.resolve(script, values, strict=strict)
        missing = script.missing(filled)
        if missing:
            raise UserError(missing_text(script, missing, filled))
        try:
            return self._render(script, filled, member, None)
        except ScriptInvalid as err:
            reason = err.problems[0].reason
            log.warning("rendering %s failed: %s", name, reason)
            raise UserError(f"话术「{script.title}」无法生成：{reason}") from None

    def resolve(
        self, script: Script, values: dict[str, str], *, strict: bool = True
    ) -> dict[str, str]:
        """Map given values (by name or description) to the script's variables."""
        filled: dict[str, str] = {}
        for key, value in values.items():
            var = script.variable(key)
            if var is None:
                if strict:
                    known = "、".join(v.label for v in script.variables) or "（此话术没有变量）"
                    raise UserError(f"话术「{script.title}」没有变量 {key}。可用：{known}")
                continue
            filled[var.name] = value.strip()
        return filled

    def context(self, member: Member | None) -> dict[str, Any]:
        """Return the shop-wide values, the greeting for now and the agent's details."""
        s = self.settings
        now = self.clock.now().astimezone(self.timezone)
        ctx: dict[str, Any] = {
            "courier": s.courier,
            "vip_discount": s.vip_discount,
            "current_promotion": s.promotion,
            "ship_days": f"{s.ship_days[0]}-{s.ship_days[1]}",
            "arrive_days": f"{s.arrive_days[0]}-{s.arrive_days[1]}",
            "greeting": greeting_for(now.time(), s),
        }
        for key in ("name", "hotline"):
            if self.shop.get(key):
                ctx["shop" if key == "name" else key] = str(self.shop[key])
        if member is not None:
            ctx["agent_no"] = member.work_no
            ctx["agent_name"] = member.name
        return ctx

    def _render(
        self, script: Script, values: dict[str, str], member: Member | None, filename: str | None
    ) -> str:
        ctx = self.context(member)
        for var in script.variables:
            ctx[var.name] = values.get(var.name) or var.default or ""
        try:
            text = render_bounded(script.template, ctx).strip()
        except RenderLimit as err:
            raise _runtime(err, filename, f"模板超出限制：{err}") from None
        except SecurityError as err:
            reason = f"沙箱拒绝：模板不得访问 Python 内部属性（{err}）"
            raise _runtime(err, filename, reason) from None
        except UndefinedError as err:
            raise _runtime(err, filename, _undefined_reason(err)) from None
        except TemplateError as err:
            raise _runtime(err, filename, f"渲染出错：{err}") from None
        except Exception as err:  # a template can raise anything (e.g. 1/0); report, not crash
            raise _runtime(err, filename, f"渲染出错：{type(err).__name__}: {err}") from None
        if "{{" in text or "}}" in text or "{%" in text:
            raise ScriptInvalid([Problem(filename or script.name, None, "结果里仍有 {{ }} 标记")])
        return text

    # ---- upload ----------------------------------------------------------------------

    def install(self, name: str, source: str) -> tuple[Script, Path | None]:
        """Validate and save an uploaded template, keeping the old file as a backup."""
        target = self.folder / f"{name}.j2"
        script = self.validate(name, source, f"上传/{name}.j2")
        backup = None
        if target.exists() and self.backups is not None:
            stamp = self.clock.now().astimezone(self.timezone).strftime("%Y%m%d-%H%M%S")
            backup = self.backups / f"{name}.{stamp}.j2"
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_bytes(target.read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(source, encoding="utf-8")
        os.replace(tmp, target)  # atomic: a reader never sees half a file
        script = self.validate(name, source, str(target))
        if self.env.cache is not None:
            self.env.cache.clear()
        self.scripts[name] = script
        return script, backup

    def _display(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.folder.resolve().parent).as_posix()
        except ValueError:
            return path.as_posix()


def missing_text(
    script: Script, missing: list[Variable], given: dict[str, str] | None = None
) -> str:
    """Return the reply naming each missing value by its Chinese description, with an example.

    The example uses the descriptions as names, which ``resolve`` accepts like the variables.
    """
    lines = [f"话术「{script.title}」还缺少以下内容："]
    lines += [f"· {v.label}" + (f"，例如 {v.sample}" if v.sample else "") for v in missing]
    words = [f"{_label_of(script, k)}={_quoted(v)}" for k, v in (given or {}).items()]
    words += [f"{v.label}={_quoted(v.sample or '…')}" for v in missing]
    example = " ".join(words)
    lines.append(f"请这样发送：/script {script.name} {example}")
    return "\n".join(lines)


def _label_of(script: Script, name: str) -> str:
    variable = script.variable(name)
    return variable.label if variable is not None else name


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


class _Header(TypedDict):
    """The fields of a script its opening comment declares."""

    title: str
    category: str
    keywords: tuple[str, ...]
    variables: tuple[Variable, ...]


def _parse_header(source: str, shown: str) -> _Header:
    body = source.lstrip("\ufeff \t\r\n")
    offset = source[: len(source) - len(body)].count("\n")
    if not body.startswith("{#"):
        raise ScriptInvalid(
            [Problem(shown, 1, "文件应以 {# … #} 注释开头，写明 标题、分类、关键词 和 变量")]
        )
    end = body.find("#}")
    if end < 0:
        raise ScriptInvalid([Problem(shown, offset + 1, "开头的 {# 注释没有用 #} 结束")])
    lines = body[2:end].strip("-").split("\n")
    fields: dict[str, str] = {}
    variables: list[Variable] = []
    problems: list[Problem] = []
    for index, raw in enumerate(lines):
        line_no = offset + 1 + index
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.replace("：", ":").partition(":")
        key, value = key.strip(), value.strip()
        if not sep:
            problems.append(Problem(shown, line_no, f"无法理解这一行：{line!r}（应为 键: 值）"))
            continue
        words = key.split()
        if words and words[0] in ("变量", "var"):
            try:
                variables.append(_parse_variable(words, value, variables))
            except ValueError as err:
                problems.append(Problem(shown, line_no, str(err)))
            continue
        if key.lower() not in _HEADER_KEYS:
            problems.append(
                Problem(shown, line_no, f"未知的声明 {key!r}；可用：标题、分类、关键词、变量")
            )
            continue
        fields[_HEADER_KEYS[key.lower()]] = value
    for needed, label in (("title", "标题"), ("category", "分类")):
        if not fields.get(needed):
            problems.append(Problem(shown, offset + 1, f"开头注释缺少 {label}"))
    if problems:
        raise ScriptInvalid(problems)
    keywords = tuple(k.strip() for k in re.split(r"[,，、]", fields.get("keywords", "")))
    return _Header(
        title=fields["title"],
        category=fields["category"],
        keywords=tuple(k for k in keywords if k),
        variables=tuple(variables),
    )


def _parse_variable(words: list[str], value: str, seen: list[Variable]) -> Variable:
    if len(words) != 2 or not VAR_RE.match(words[1]):
        raise ValueError("变量名应为小写英文字母、数字或 _，例如：变量 customer: 顾客称呼 | 必填")
    name = words[1]
    if name in GLOBALS:
        raise ValueError(f"变量名 {name} 已被全店通用值占用，请换一个名字")
    if any(v.name == name for v in seen):
        raise ValueError(f"变量 {name} 重复声明")
    parts = [p.strip() for p in value.replace("｜", "|").split("|")]
    description = parts[0]
    if not description:
        raise ValueError(f"变量 {name} 缺少中文说明，例如：变量 {name}: 顾客称呼 | 必填")
    required = False
    default: str | None = None
    sample: str | None = None
    for part in parts[1:]:
        flag, eq, setting = part.replace("＝", "=").partition("=")
        flag = flag.strip().lower()
        if not eq and flag in ("必填", "required"):
            required = True
        elif eq and flag in ("默认", "default"):
            default = setting.strip()
        elif eq and flag in ("示例", "sample"):
            sample = setting.strip()
        else:
            raise ValueError(f"变量 {name} 的 {part!r} 看不懂；可用：必填、默认=…、示例=…")
    if required and default is not None:
        raise ValueError(f"变量 {name} 不能既是必填又有默认值")
    if not required and default is None:
        raise ValueError(f"变量 {name} 应写明 必填，或给出 默认=…")
    return Variable(name, description, required, default, sample)


def _check_unsafe(ast: nodes.Template, shown: str) -> None:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        attr: object = None
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            attr = first.value if isinstance(first, nodes.Const) else "_"
        if isinstance(attr, str) and attr.startswith("_"):
            raise ScriptInvalid(
                [Problem(shown, node.lineno, f"禁止访问内部属性 {attr}（模板在沙箱中运行）")]
            )


def _name_line(ast: nodes.Template, name: str) -> int | None:
    for node in ast.find_all(nodes.Name):
        if node.name == name:
            return node.lineno
    return None


def _runtime(err: BaseException, filename: str | None, reason: str) -> ScriptInvalid:
    line = None
    if filename:
        for frame, lineno in traceback.walk_tb(err.__traceback__):
            if frame.f_code.co_filename == filename:
                line = lineno
    return ScriptInvalid([Problem(filename or "", line, reason)])


def _undefined_reason(err: UndefinedError) -> str:
    match = re.search(r"'(\w+)' is undefined", str(err))
    name = match.group(1) if match else None
    if name in AGENT_NAMES:
        return "需要客服的工号和姓名（请由团队成员使用）"
    if name == "shop":
        return "店铺名称未配置（[shop] name）"
    if name == "hotline":
        return "客服热线未配置（[shop] hotline）"
    return f"未定义的变量或属性：{err}"


def _read_checked(path: Path | None) -> set[str]:
    """Return the stored fingerprints; a missing or damaged file means nothing is known."""
    if path is None:
        return set()
    try:
        return set(path.read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return set()


def _write_checked(path: Path | None, keys: set[str]) -> None:
    """Store the fingerprints (a cache: failing to write only costs time at the next start)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text("\n".join(sorted(keys)) + "\n", encoding="ascii")
        os.replace(tmp, path)
    except OSError as err:
        log.warning("could not store the checked scripts list %s: %s", path, err)


def check_folder(
    settings: ScriptsSettings, shop: dict[str, Any], clock: Clock, timezone: ZoneInfo
) -> tuple[int, list[Problem]]:
    """Validate every template of the folder; return how many are good and the problems."""
    book = ScriptBook(build_environment(settings.folder), settings, shop, clock, timezone)
    scripts, problems = book.scan()
    return len(scripts), problems
