"""Handlers of the scripts feature: /script (/话术), inline mode, upload and reload."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shlex
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.errors import UserError
from bot.domain.members import Member, Role
from bot.domain.text import TELEGRAM_LIMIT, split_message
from bot.domain.times import iso, parse_iso
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    UploadSpec,
    member_of,
    reply,
    require_member,
    rest_text,
)
from bot.handlers.context import BotContext
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
from bot.services.container import Services

TITLE = "话术"
BUTTONS = [
    ButtonSpec(r"^scripts:pick:"),
    ButtonSpec(r"^scripts:(cats|cat:[a-z0-9_-]+)$"),
]
UPLOADS = [
    UploadSpec(
        "j2",
        Role.ADMIN,
        "private",
        refusal="需要主管权限才能上传话术模板，模板未保存。",
        place_refusal="请私聊机器人发送话术模板文件（仅主管可上传）。",
    )
]
COMMANDS: list[CommandSpec] = [
    CommandSpec(
        "script",
        "/script [名称或关键词] [变量=值 …]",
        "标准话术：不带参数按分类浏览；带关键词直接生成，复制即可发给顾客",
        aliases=("话术",),
    ),
    CommandSpec("cancel", "/cancel", "取消正在填写的话术", aliases=("取消",)),
    CommandSpec(
        "script_upload",
        "/script_upload",
        "上传或替换话术模板：私聊发送 .j2 文件（说明里写名称，如 followup/visit1）",
        min_role=Role.ADMIN,
        where="private",
    ),
    CommandSpec(
        "script_reload",
        "/script_reload",
        "重新读取话术模板文件夹（先全部检查，有错则不生效）",
        min_role=Role.ADMIN,
    ),
]

USAGE = (
    "用法：/script [名称或关键词] [变量=值 …]\n"
    "例如：/script 包邮　/script 尺码 usual_size=28 our_size=L码\n"
    '值里有空格时加引号：note="周末 送货"。只发 /script 按分类浏览。'
)
UPLOAD_HELP = (
    "上传话术模板（仅主管）：把 .j2 文件以“文件”形式私聊发给我，"
    "并在文件说明里写上话术名称（分类文件夹/文件名），例如 followup/visit1。\n"
    "不写说明时，按文件名替换同名的已有话术。\n"
    "上传的模板会先像 check-scripts 一样检查：有错会说明原因并保留旧版本；"
    "通过后立即生效，旧版本另存备份。模板写法见 docs/scripts.md。"
)
# Its own handler group: the question-and-answer flow sees messages alongside the other
# features' group-0 handlers instead of taking them away from those features.
GROUP = 6
ASKING = 1
_FLOWS = "scripts_flows"  # user_data key: chat id → the script being filled in there
_PENDING = "scripts_pending"  # user_data key: menu message → values typed with its keyword


def register(app: Application, svc: Services) -> None:
    """Wire the scripts handlers, timers and planners."""

    alias_pattern = rf"^/{re.escape('话术')}(?:@\S+)?(?:\s|$)"
    with warnings.catch_warnings():
        # PTB warns that button entry points are tracked per chat, not per message:
        # that is the intent here (one fill-in flow per member per chat).
        warnings.simplefilter("ignore", PTBUserWarning)
        flow = ConversationHandler(
            entry_points=[
                CommandHandler("script", script_command),
                MessageHandler(filters.Regex(alias_pattern), script_command),
                CallbackQueryHandler(pick, pattern=BUTTONS[0].pattern),
            ],
            states={ASKING: [MessageHandler(filters.TEXT & ~filters.Regex(r"^/"), answer)]},
            fallbacks=[
                CommandHandler("cancel", cancel),
                MessageHandler(filters.Regex(r"^/取消(?:@\S+)?(?:\s|$)"), cancel),
            ],
            allow_reentry=True,
            name="scripts_fill",
        )
    handlers: list[BaseHandler] = [
        flow,
        CallbackQueryHandler(browse, pattern=BUTTONS[1].pattern),
        CommandHandler("cancel", nothing_to_cancel),
        MessageHandler(filters.Regex(r"^/取消(?:@\S+)?(?:\s|$)"), nothing_to_cancel),
        InlineQueryHandler(inline_query),
        CommandHandler("script_upload", upload_help),
        CommandHandler("script_reload", reload_scripts),
        MessageHandler(filters.Document.FileExtension(UPLOADS[0].extension), upload_document),
    ]
    for handler in handlers:
        app.add_handler(handler, group=GROUP)


def _book(context: BotContext) -> ScriptBook:
    return context.svc.scripts


# ---- /script ---------------------------------------------------------------------------


async def script_command(update: Update, context: BotContext) -> int:
    """Browse by category, render a script by name or keyword, or ask for missing values."""
    message = update.effective_message
    book = _book(context)
    text = rest_text(message)
    if not text:
        await reply(update, "请选择话术分类：", reply_markup=_categories_keyboard(book))
        return ConversationHandler.END
    try:
        tokens = shlex.split(text)
    except ValueError:
        await reply(update, f"引号没有配对。\n{USAGE}")
        return ConversationHandler.END
    query, assignments = tokens[0], tokens[1:]
    if "=" in query or "＝" in query:
        await reply(update, f"请先写话术名称或关键词，再写 变量=值。\n{USAGE}")
        return ConversationHandler.END
    try:
        values = parse_assignments(assignments)
    except UserError as err:
        await reply(update, f"{err}\n{USAGE}")
        return ConversationHandler.END
    matches = book.find(query)
    if not matches:
        await reply(
            update,
            f"没有找到与「{query}」相关的话术。发送 /script 按分类浏览，"
            f"或换个关键词试试。\n{USAGE}",
        )
        return ConversationHandler.END
    if len(matches) > 1:
        menu = await message.reply_text(
            f"「{query}」对应 {len(matches)} 条话术，请选择：",
            reply_markup=_scripts_keyboard(matches, back=False),
        )
        # Kept per menu message, so values typed for one menu never fill another one.
        context.user_data.setdefault(_PENDING, {})[(menu.chat_id, menu.message_id)] = values
        return ConversationHandler.END
    return await _render_or_ask(update, context, matches[0], values, typed=bool(values))


async def pick(update: Update, context: BotContext) -> int:
    """Render the script chosen with a button (asking for what it still needs)."""
    query = update.callback_query
    book = _book(context)
    script = book.get(query.data.removeprefix("scripts:pick:"))
    if script is None:
        await query.answer("这条话术已不存在，请重新发送 /script。", show_alert=True)
        return ConversationHandler.END
    await query.answer()
    # An old menu that cannot be edited any more still gets the script below.
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(f"已选择：{script.title}")
    pending: dict[tuple[int, int], dict[str, str]] = context.user_data.get(_PENDING, {})
    values = pending.pop((query.message.chat_id, query.message.message_id), {})
    return await _render_or_ask(update, context, script, values, typed=False)


async def _render_or_ask(
    update: Update, context: BotContext, script: Script, values: dict[str, str], typed: bool
) -> int:
    """Send the script, or name what is missing (typed values) or start asking for it."""
    book = _book(context)
    member = require_member(update, context)
    chat_id = update.effective_chat.id
    try:
        filled = book.resolve(script, values, strict=typed)
    except UserError as err:
        await _say(context, chat_id, f"{err}\n{USAGE}")
        return ConversationHandler.END
    missing = script.missing(filled)
    if missing and typed:
        await _say(context, chat_id, missing_text(script, missing, filled))
        return ConversationHandler.END
    if missing:
        flows = context.user_data.setdefault(_FLOWS, {})
        flows[chat_id] = {
            "name": script.name,
            "values": filled,
            "missing": [v.name for v in missing],
            "total": len(missing),
            "at": iso(context.svc.clock.now()),
        }
        intro = f"话术「{script.title}」需要填写 {len(missing)} 项，请逐项回复（/cancel 取消）。"
        await _say(context, chat_id, f"{intro}\n{_question(missing[0], 1, len(missing))}")
        return ASKING
    await _send_script(context, chat_id, script, filled, member)
    return ConversationHandler.END


async def answer(update: Update, context: BotContext) -> int:
    """Take one answer; ask the next question or send the finished script."""
    chat_id = update.effective_chat.id
    flows: dict[int, dict[str, Any]] = context.user_data.get(_FLOWS, {})
    flow = flows.get(chat_id)
    book = _book(context)
    script = book.get(flow["name"]) if flow else None
    if flow is None or script is None:
        flows.pop(chat_id, None)
        return ConversationHandler.END
    limit = timedelta(minutes=context.svc.settings.scripts.ask_minutes)
    if context.svc.clock.now() - parse_iso(flow["at"]) > limit:
        flows.pop(chat_id, None)
        await reply(
            update, f"填写话术「{script.title}」已超时，请重新发送 /script {script.name}。"
        )
        return ConversationHandler.END
    text = (update.effective_message.text or "").strip()
    current = flow["missing"][0]
    if not text:
        return ASKING
    flow["values"][current] = text
    flow["missing"].pop(0)
    flow["at"] = iso(context.svc.clock.now())
    variable = script.variable(flow["missing"][0]) if flow["missing"] else None
    if variable is not None:
        total = flow["total"]
        await reply(update, _question(variable, total - len(flow["missing"]) + 1, total))
        return ASKING
    flows.pop(chat_id, None)
    await _send_script(context, chat_id, script, flow["values"], require_member(update, context))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """End the fill-in flow in this chat."""
    flows: dict[int, Any] = context.user_data.get(_FLOWS, {})
    flows.pop(update.effective_chat.id, None)
    await reply(update, "已取消填写话术。")
    return ConversationHandler.END


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Say there is nothing to cancel (the flow's own /cancel runs when one is open)."""
    await reply(update, "当前没有正在填写的话术。")


def _question(variable: Variable, index: int, total: int) -> str:
    example = f"（例如：{variable.sample}）" if variable.sample else ""
    return f"（{index}/{total}）请输入{variable.description}{example}："


async def _send_script(
    context: BotContext, chat_id: int, script: Script, values: dict[str, str], member: Member
) -> None:
    """Send the rendered text alone, as plain text, so one long-press copies all of it."""
    try:
        text = _book(context).render(script.name, values, member)
    except UserError as err:
        await _say(context, chat_id, str(err))
        return
    await _say(context, chat_id, text)


async def _say(context: BotContext, chat_id: int, text: str, **kwargs: Any) -> None:
    for chunk in split_message(text):
        await context.bot.send_message(chat_id, chunk, **kwargs)


# ---- browsing --------------------------------------------------------------------------


async def browse(update: Update, context: BotContext) -> None:
    """Show the categories, or the scripts of one category, on the same message."""
    query = update.callback_query
    book = _book(context)
    data = query.data.removeprefix("scripts:")
    if data == "cats":
        await query.answer()
        await query.edit_message_text("请选择话术分类：", reply_markup=_categories_keyboard(book))
        return
    folder = data.removeprefix("cat:")
    scripts = book.in_category(folder)
    if not scripts:
        await query.answer("这个分类已不存在，请重新发送 /script。", show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        f"【{scripts[0].category}】请选择话术：",
        reply_markup=_scripts_keyboard(scripts, back=True),
    )


def _categories_keyboard(book: ScriptBook) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            f"{label}（{len(book.in_category(folder))}）", callback_data=f"scripts:cat:{folder}"
        )
        for folder, label in book.categories()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _scripts_keyboard(scripts: list[Script], back: bool) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(s.title, callback_data=f"scripts:pick:{s.name}")] for s in scripts
    ]
    if back:
        rows.append([InlineKeyboardButton("« 返回分类", callback_data="scripts:cats")])
    return InlineKeyboardMarkup(rows)


# ---- inline mode -----------------------------------------------------------------------


async def inline_query(update: Update, context: BotContext) -> None:
    """Offer matching scripts rendered with defaults; mark the ones that need values."""
    query = update.inline_query
    book = _book(context)
    member = member_of(update, context)
    limit = context.svc.settings.scripts.inline_results
    try:
        tokens = shlex.split(query.query)
    except ValueError:
        tokens = query.query.split()
    words = [t for t in tokens if "=" not in t and "＝" not in t]
    values: dict[str, str] = {}
    for token in (t for t in tokens if t not in words):
        try:
            values.update(parse_assignments([token]))
        except UserError:
            continue  # half-typed "key=" while the member is still typing
    if words:
        # Exact keyword hits first (what /script would pick), then every partial match.
        exact = book.find(words[0]) if len(words) == 1 else []
        scripts = exact + [s for s in book.search(words) if s not in exact]
    else:
        scripts = [s for folder, _ in book.categories() for s in book.in_category(folder)]
    results = [_inline_result(book, s, values, member) for s in scripts[:limit]]
    await query.answer(results, cache_time=0, is_personal=True)


def _inline_result(
    book: ScriptBook, script: Script, values: dict[str, str], member: Member | None
) -> InlineQueryResultArticle:
    filled = book.resolve(script, values, strict=False)
    missing = script.missing(filled)
    result_id = hashlib.sha1(script.name.encode()).hexdigest()[:32]
    if missing:
        needed = "、".join(v.description for v in missing)
        example = " ".join(f"{v.name}={v.sample or '…'}" for v in missing)
        note = (
            f"话术「{script.title}」还需要填写：{needed}。\n"
            f"请在内联查询里补上，例如：{script.title.split('（')[0]} {example}\n"
            f"或在私聊里发送 /script {script.name}"
        )
        return InlineQueryResultArticle(
            id=result_id,
            title=f"⚠ {script.title}（需填写：{needed}）",
            description=f"在查询里加上 {example}",
            input_message_content=InputTextMessageContent(note),
        )
    try:
        text = book.render(script.name, filled, member)
    except UserError as err:
        text = str(err)
    return InlineQueryResultArticle(
        id=result_id,
        title=script.title,
        description=text[:100],
        input_message_content=InputTextMessageContent(text[:TELEGRAM_LIMIT]),
    )


# ---- editing: upload and reload --------------------------------------------------------


async def upload_help(update: Update, context: BotContext) -> None:
    """Explain how to upload a template; list the categories."""
    folders = "、".join(f"{folder}（{label}）" for folder, label in _book(context).categories())
    await reply(update, f"{UPLOAD_HELP}\n现有分类文件夹：{folders}")


async def upload_document(update: Update, context: BotContext) -> None:
    """Validate an uploaded .j2 template and make it live, keeping the old one as backup."""
    message = update.effective_message
    require_member(update, context)
    book = _book(context)
    document = message.document
    name = _upload_name(book, rest_text(message), document.file_name or "")
    if isinstance(name, UserError):
        await reply(update, f"{name}\n\n{UPLOAD_HELP}")
        return
    if document.file_size and document.file_size > MAX_SOURCE:
        await reply(update, f"文件过大（上限 {MAX_SOURCE // 1024} KB），模板未保存。")
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        await reply(update, "文件不是 UTF-8 编码的文本，模板未保存。请用 UTF-8 保存后重发。")
        return
    existed = book.get(name) is not None
    try:
        script, backup = book.install(name, source)
    except ScriptInvalid as err:
        problems = "\n".join(f"· {p}" for p in err.problems)
        keep = "原来的版本保持不变。" if existed else "没有保存。"
        await reply(update, f"模板 {name} 有问题，{keep}\n{problems}")
        return
    action = "已替换" if existed else "已新增"
    lines = [f"{action}话术「{script.title}」（{name}），已立即生效。"]
    if backup is not None:
        lines.append(f"旧版本已备份为 {backup.relative_to(context.svc.store.root).as_posix()}")
    variables = "、".join(v.label + ("（必填）" if v.required else "") for v in script.variables)
    if variables:
        lines.append(f"变量：{variables}")
    await reply(update, "\n".join(lines))


def _upload_name(book: ScriptBook, caption: str, file_name: str) -> str | UserError:
    """Return the script name an upload replaces or adds, from the caption or the file name."""
    wanted = caption.strip().removesuffix(".j2")
    if wanted:
        if not NAME_RE.match(wanted):
            return UserError(
                f"说明里的名称 {wanted!r} 不对：应为 分类文件夹/文件名，"
                "只用小写字母、数字、_ 或 -，例如 followup/visit1。"
            )
        return wanted
    stem = file_name.removesuffix(".j2")
    same = [n for n in book.names() if n.split("/")[1] == stem]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        return UserError(f"有多条话术叫 {stem}：{'、'.join(same)}，请在说明里写明是哪一条。")
    return UserError(f"没有名为 {stem} 的话术，新增时请在文件说明里写上 分类文件夹/文件名。")


async def reload_scripts(update: Update, context: BotContext) -> None:
    """Reread the templates folder; a broken template keeps the old catalogue in use."""
    book = _book(context)
    before = set(book.names())
    problems = book.load(strict=True)
    if problems:
        listed = "\n".join(f"· {p}" for p in problems)
        await reply(
            update, f"话术模板有 {len(problems)} 处问题，未重新加载，仍使用原来的话术：\n{listed}"
        )
        return
    after = set(book.names())
    changes = []
    if after - before:
        changes.append(f"新增 {'、'.join(sorted(after - before))}")
    if before - after:
        changes.append(f"移除 {'、'.join(sorted(before - after))}")
    detail = f"（{'；'.join(changes)}）" if changes else ""
    await reply(update, f"已重新加载 {len(after)} 条话术{detail}。")
