"""Handlers of the scripts feature: /script (/话术), inline mode, upload and reload."""

from __future__ import annotations

import asyncio
import contextlib
import re
import warnings

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
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

from bot.delivery import markup
from bot.domain.errors import UserError
from bot.domain.members import Role
from bot.domain.text import split_message
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    UploadSpec,
    answer_query,
    edit_query,
    member_of,
    reply,
    require_member,
    rest_text,
)
from bot.handlers.context import BotContext
from bot.scripts import Script
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
# Its own handler group: the question-and-answer flow sees messages alongside the other
# features' group-0 handlers instead of taking them away from those features.
GROUP = 6
ASKING = 1


def register(app: Application, svc: Services) -> None:
    """Wire the scripts handlers: the fill-in conversation, buttons, inline mode, uploads."""

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


def _where(update: Update) -> tuple[int, int]:
    """Return (user, chat): a member fills in one script per chat."""
    return update.effective_user.id, update.effective_chat.id


# ---- /script ---------------------------------------------------------------------------


# Rendering runs in a worker thread (asyncio.to_thread): a template at its bounds
# (bot/script_limits.py) takes up to seconds, and the event loop keeps serving others meanwhile.


async def script_command(update: Update, context: BotContext) -> int:
    """Browse by category, render a script by name or keyword, or ask for missing values."""
    message = update.effective_message
    scripts = context.svc.scripts
    text = rest_text(message)
    if not text:
        menu = scripts.categories_menu()
        await reply(update, menu.text, reply_markup=markup(menu.keyboard))
        return ConversationHandler.END
    try:
        found = scripts.lookup(text)
    except UserError as err:
        await reply(update, f"{err}\n{USAGE}")
        return ConversationHandler.END
    if len(found.scripts) > 1:
        choices = scripts.choices(found)
        menu = await message.reply_text(choices.text, reply_markup=markup(choices.keyboard))
        scripts.keep_values(update.effective_user.id, menu.chat_id, menu.message_id, found.values)
        return ConversationHandler.END
    return await _start(update, context, found.scripts[0], found.values, typed=bool(found.values))


async def pick(update: Update, context: BotContext) -> int:
    """Render the script chosen with a button (asking for what it still needs)."""
    query = update.callback_query
    scripts = context.svc.scripts
    script = scripts.get(query.data.removeprefix("scripts:pick:"))
    if script is None:
        await answer_query(query, "这条话术已不存在，请重新发送 /script。", alert=True)
        return ConversationHandler.END
    await answer_query(query)
    # An old menu that cannot be edited any more still gets the script below.
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(f"已选择：{script.title}")
    menu = query.message
    values = scripts.take_values(update.effective_user.id, menu.chat_id, menu.message_id)
    return await _start(update, context, script, values, typed=False)


async def _start(
    update: Update, context: BotContext, script: Script, values: dict[str, str], typed: bool
) -> int:
    """Send the script, or name what is missing (typed values) or start asking for it."""
    svc = context.svc
    member = require_member(update, context)
    chat_id = update.effective_chat.id
    try:
        step = await asyncio.to_thread(
            svc.scripts.start, _where(update), script, values, typed, member, svc.clock.now()
        )
    except UserError as err:
        await _say(context, chat_id, f"{err}\n{USAGE}")
        return ConversationHandler.END
    await _say(context, chat_id, step.text)
    return ASKING if step.asking else ConversationHandler.END


async def answer(update: Update, context: BotContext) -> int:
    """Take one answer; ask the next question or send the finished script."""
    svc = context.svc
    text = update.effective_message.text or ""
    member = require_member(update, context)
    step = await asyncio.to_thread(
        svc.scripts.answer, _where(update), text, member, svc.clock.now()
    )
    if step is None:
        return ConversationHandler.END
    if step.finished:
        # The script alone, as plain text, so one long-press copies all of it.
        await _say(context, update.effective_chat.id, step.text)
    elif step.text:
        await reply(update, step.text)
    return ASKING if step.asking else ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """End the fill-in flow in this chat."""
    context.svc.scripts.cancel(_where(update))
    await reply(update, "已取消填写话术。")
    return ConversationHandler.END


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Say there is nothing to cancel (the flow's own /cancel runs when one is open)."""
    await reply(update, "当前没有正在填写的话术。")


async def _say(context: BotContext, chat_id: int, text: str) -> None:
    for chunk in split_message(text):
        await context.bot.send_message(chat_id, chunk)


# ---- browsing --------------------------------------------------------------------------


async def browse(update: Update, context: BotContext) -> None:
    """Show the categories, or the scripts of one category, on the same message."""
    query = update.callback_query
    menu = context.svc.scripts.browse(query.data)
    if menu is None:
        await answer_query(query, "这个分类已不存在，请重新发送 /script。", alert=True)
        return
    await answer_query(query)
    await edit_query(query, menu.text, markup(menu.keyboard))


# ---- inline mode -----------------------------------------------------------------------


async def inline_query(update: Update, context: BotContext) -> None:
    """Offer matching scripts rendered with defaults; mark the ones that need values."""
    query = update.inline_query
    offers = await asyncio.to_thread(
        context.svc.scripts.inline, query.query, member_of(update, context)
    )
    results = [
        InlineQueryResultArticle(
            id=offer.id,
            title=offer.title,
            description=offer.description,
            input_message_content=InputTextMessageContent(offer.text),
        )
        for offer in offers
    ]
    await query.answer(results, cache_time=0, is_personal=True)


# ---- editing: upload and reload --------------------------------------------------------


async def upload_help(update: Update, context: BotContext) -> None:
    """Explain how to upload a template; list the categories."""
    await reply(update, context.svc.scripts.upload_help())


async def upload_document(update: Update, context: BotContext) -> None:
    """Validate an uploaded .j2 template and make it live, keeping the old one as backup."""
    message = update.effective_message
    scripts = context.svc.scripts
    document = message.document
    try:
        name = scripts.upload_target(
            rest_text(message), document.file_name or "", document.file_size
        )
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        done = await asyncio.to_thread(scripts.install, name, data)
    except UserError as err:
        await reply(update, str(err))
        return
    await reply(update, done)


async def reload_scripts(update: Update, context: BotContext) -> None:
    """Reread the templates folder; a broken template keeps the old catalogue in use."""
    await reply(update, await asyncio.to_thread(context.svc.scripts.reload))
