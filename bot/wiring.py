"""build_services(): the one place where storage, the scheduler and every service are built."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.clock import Clock, TeamTime
from bot.config import Settings
from bot.config.checkin import OcrSettings
from bot.delivery import Delivery
from bot.domain import team_text
from bot.domain.members import Member, Role
from bot.events import Events
from bot.ocr import ScreenReader
from bot.persistence.checkin import CheckinRepo
from bot.persistence.deadlines import ItemRepo
from bot.persistence.discounts import DiscountRepo
from bot.persistence.handover import HandoverRepo
from bot.persistence.kpi import KpiRepo
from bot.persistence.members import MemberRepo
from bot.persistence.orders import OrderRepo
from bot.persistence.roster import RosterRepo
from bot.persistence.store import Store
from bot.reports.worker import ReportWorker
from bot.scheduling import Scheduler
from bot.scripts import ScriptBook, build_environment
from bot.services.checkin import CheckinService, Reader
from bot.services.container import Services
from bot.services.deadlines import DeadlineService
from bot.services.handover import HandoverService
from bot.services.month import MonthService
from bot.services.orders import OrderService
from bot.services.roster import Roster
from bot.services.scripts import ScriptService
from bot.services.team import TeamService
from bot.services.upkeep import UpkeepService
from bot.version import version

log = logging.getLogger(__name__)

ReaderFactory = Callable[[OcrSettings], Reader]


def worker_reader(conf: OcrSettings) -> Reader:
    """Return the OCR reader of the Telegram mode: one worker process, images in turn."""
    return ScreenReader(conf.time_limit_seconds, conf.max_image_side)


def build_services(
    settings: Settings,
    data_dir: Path,
    clock: Clock,
    make_reader: ReaderFactory | None = worker_reader,
    reports: ReportWorker | None = None,
) -> tuple[Services, Delivery]:
    """Open the data folder and build every service once, in the order they depend on.

    The delivery is returned too: it gets the bot (``connect``) once the application exists.
    ``make_reader`` gives the screenshot reader when ``[checkin.ocr] enabled`` (None: no
    reading); console mode and tests pass one that answers at once and the same every time.
    ``reports`` draws charts and spreadsheets; by default in a worker thread (tests, console).
    """
    store = Store(data_dir)
    store.check_all()
    members = MemberRepo(store)
    added = members.seed(settings.members)
    if added:
        log.info("added %d members from settings", len(added))
    changed = members.apply_settings(settings.members)
    time = TeamTime(clock, settings.timezone)
    scheduler = Scheduler(store, clock)
    resent = scheduler.outbox.reconcile()
    if resent:
        log.warning("%d notifications were being sent when the bot stopped; queued again", resent)
    if changed:
        _tell_admins_of(changed, settings, members, scheduler, clock)
    events = Events()
    roster = Roster(settings, members, RosterRepo(store))
    delivery = Delivery(settings, members, scheduler.outbox, clock)
    scheduler.deliver_with(delivery)
    book = ScriptBook(
        build_environment(settings.scripts.folder),
        settings.scripts,
        settings.shop,
        clock,
        settings.timezone,
        backups=store.root / "script_backups",
        checked=store.root / "scripts_checked.txt",
    )
    book.load()  # broken templates are logged and left out; check-scripts names them
    orders = OrderService(
        OrderRepo(store, settings.timezone, settings.remarks.live_days),
        settings.remarks,
        settings.timezone,
        settings.platforms,
        members,
        roster,
    )
    ocr_on = settings.checkin.ocr.enabled
    checkin_service = CheckinService(
        settings,
        time,
        CheckinRepo(store),
        members,
        roster,
        scheduler,
        events,
        store.root,
        reader=make_reader(settings.checkin.ocr) if make_reader and ocr_on else None,
        messenger=delivery,
    )
    items = ItemRepo(store)
    svc = Services(
        settings=settings,
        time=time,
        store=store,
        members=members,
        scheduler=scheduler,
        events=events,
        roster=roster,
        messenger=delivery,
        checkin=checkin_service,
        handover=HandoverService(
            settings, time, HandoverRepo(store), members, roster, scheduler, delivery
        ),
        orders=orders,
        scripts=ScriptService(book, settings.scripts, store.root),
        deadlines=DeadlineService(
            settings, time, items, members, roster, scheduler, delivery, book, orders
        ),
        team=TeamService(members, delivery, settings.join_per_hour),
        upkeep=UpkeepService(store, time, scheduler, members, settings.backup_days, version()),
        month=MonthService(
            settings,
            time,
            members,
            scheduler,
            delivery,
            checkin_service,
            orders,
            items,
            DiscountRepo(store, settings.timezone),
            KpiRepo(store),
            reports or ReportWorker(processes=False),
        ),
    )
    # Timers and listeners, in the order features were always planned (ties keep that order).
    svc.upkeep.register_timers()
    svc.checkin.register_timers()
    svc.handover.register_timers()
    events.on("checkin.recorded", svc.handover.on_checkin)
    svc.deadlines.start()
    svc.month.register_timers()
    return svc, delivery


def _tell_admins_of(
    changed: list[tuple[Member, Member]],
    settings: Settings,
    members: MemberRepo,
    scheduler: Scheduler,
    clock: Clock,
) -> None:
    """Queue one line to each admin saying which shifts the settings file changed at start."""
    shift_names = {shift.key: shift.name for shift in settings.shifts}
    text = team_text.settings_applied(changed, shift_names)
    log.info("settings changed the roster of %d members", len(changed))
    stamp = clock.now().isoformat()
    for admin in members.with_role(Role.ADMIN):
        scheduler.notify(
            {"user": admin.user_id}, text, key=f"roster:settings:{stamp}:{admin.user_id}"
        )
