"""build_application(): the one place where the bot is assembled and handlers are wired."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from types import ModuleType

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes
from telegram.request import BaseRequest

from bot.clock import Clock
from bot.config import Settings
from bot.domain.members import Member, Role
from bot.errors import on_error
from bot.handlers import (
    access,
    checkin,
    core,
    deadlines,
    handover,
    month,
    remarks,
    scripts,
)
from bot.handlers.access import AccessTable
from bot.handlers.common import CommandSpec
from bot.handlers.context import BotContext
from bot.reports.worker import ReportWorker
from bot.services.container import Services
from bot.wiring import ReaderFactory, build_services, worker_reader

log = logging.getLogger(__name__)

# Order matters only where a feature reads plain messages or photos: check-in first, so a
# photo captioned /checkin is taken before anything else looks at it.
FEATURES: tuple[ModuleType, ...] = (
    core,
    checkin,
    handover,
    remarks,
    scripts,
    deadlines,
    month,
)


def build_application(
    settings: Settings,
    data_dir: Path,
    clock: Clock,
    *,
    token: str = "123456:LOCAL",
    request: BaseRequest | None = None,
    base_url: str | None = None,
    live: bool = False,
    make_reader: ReaderFactory | None = worker_reader,
    reports: ReportWorker | None = None,
    settle: bool = True,
) -> Application:
    """Assemble the application: services, access check, every feature, error handler.

    ``live`` wakes the scheduler with the JobQueue and rate-limits sending (Telegram mode);
    console mode and tests drive the scheduler themselves. ``make_reader`` builds the check-in
    screenshot reader (the OCR worker by default; see ``build_services``). Charts and
    spreadsheets are drawn in a worker process in Telegram mode, in a worker thread otherwise
    (unless ``reports``). ``settle`` leaves what start-up loaded out of later garbage
    collections (off where many applications start in one process, as in tests).
    """
    reports = reports or ReportWorker(processes=live)
    svc, delivery = build_services(settings, data_dir, clock, make_reader, reports)
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if base_url:
        root = base_url.rstrip("/")
        builder = builder.base_url(root).base_file_url(_file_url(root))
    if live:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data["svc"] = svc
    app.bot_data["live"] = live
    app.bot_data["settle"] = settle
    delivery.connect(app.bot)

    commands: dict[str, CommandSpec] = {}
    sections: list[tuple[str, list[CommandSpec]]] = []
    for feature in FEATURES:
        for spec in feature.COMMANDS:
            for word in spec.triggers:
                if word in commands:
                    raise RuntimeError(f"command /{word} is defined twice")
                commands[word] = spec
        if feature.COMMANDS:
            sections.append((feature.TITLE, feature.COMMANDS))
    app.bot_data["help_sections"] = sections
    table = AccessTable(
        commands,
        tuple(b for feature in FEATURES for b in getattr(feature, "BUTTONS", ())),
        tuple(u for feature in FEATURES for u in getattr(feature, "UPLOADS", ())),
    )
    access.register(app, table)  # group -1: runs before every feature
    core.register(app)
    for feature in FEATURES[1:]:
        feature.register(app, svc)
    app.add_error_handler(on_error)
    return app


def _file_url(base_url: str) -> str:
    """Derive the file-download root from a Bot API root ending in ``/bot``."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url + "/file/bot"


async def _post_init(app: Application) -> None:
    svc: Services = app.bot_data["svc"]
    await _set_menus(app, svc)
    if app.bot_data["live"]:
        svc.scheduler.attach(app)
    await svc.upkeep.backup_now()  # compressed on a thread: the loop stays free
    await svc.checkin.start()  # loads the OCR engine once, before the first check-in
    if svc.month.reports.processes:
        # Spawning the worker and loading matplotlib takes a second or two: not on the way up.
        svc.month.reports.begin()
    await svc.scheduler.run_due()  # what fell due while the bot was down goes out now, once
    # Years of loaded records live as long as the bot: a full collection walking them all
    # paused any command for 40–250 ms at three years. Collect the start-up garbage once,
    # then leave what is loaded out of later collections.
    if app.bot_data["settle"]:
        gc.collect()
        gc.freeze()


async def _post_shutdown(app: Application) -> None:
    svc: Services = app.bot_data["svc"]
    await svc.checkin.close()
    svc.month.reports.close()
    svc.store.close()


def menu_for(
    role: Role, private: bool, sections: list[tuple[str, list[CommandSpec]]]
) -> list[BotCommand]:
    """Return the command menu one role sees in a group or in private."""
    result = []
    for _title, specs in sections:
        for spec in specs:
            if not spec.menu or (spec.min_role is not None and role < spec.min_role):
                continue
            if (spec.where == "group" and private) or (spec.where == "private" and not private):
                continue
            result.append(BotCommand(spec.name, spec.description[:256]))
    return result


async def _set_menus(app: Application, svc: Services) -> None:
    sections = app.bot_data["help_sections"]
    calls = [(BotCommandScopeDefault(), menu_for(Role.AGENT, True, sections))]
    for chat_id in svc.settings.team_chats:
        calls.append((BotCommandScopeChat(chat_id), menu_for(Role.AGENT, False, sections)))
    higher: list[Member] = svc.members.with_role(Role.LEAD)
    for member in higher:
        calls.append((BotCommandScopeChat(member.user_id), menu_for(member.role, True, sections)))
        for chat_id in svc.settings.team_chats:
            calls.append(
                (
                    BotCommandScopeChatMember(chat_id, member.user_id),
                    menu_for(member.role, False, sections),
                )
            )
    for scope, menu in calls:
        try:
            await app.bot.set_my_commands(menu, scope=scope)
        except TelegramError as err:
            log.warning("could not set the command menu for %s: %s", scope, err)
