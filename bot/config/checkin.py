"""Settings of the checkin feature (the [checkin] table): check-in, roster and accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time

from bot.config.base import CoreSettings
from bot.config.errors import ConfigError
from bot.config.reader import Section
from bot.domain.members import parse_work_no
from bot.domain.screen_text import normalize


@dataclass(frozen=True)
class OcrSettings:
    """Reading check-in screenshots by OCR (the [checkin.ocr] table)."""

    enabled: bool = True
    clock_tolerance_minutes: int = 10  # screen clock this far from the message time is 不符
    time_limit_seconds: float = 20.0  # one image's reading, once its turn comes
    max_image_side: int = 1920  # bigger images (phone photos) are scaled down to this first
    # account -> the names its chat tool shows on screen besides the account's own name
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def screen_names(self, accounts: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Return every account with the names it may show on screen (its aliases)."""
        return {a: self.aliases.get(a, ()) for a in accounts}


@dataclass(frozen=True)
class CheckinSettings:
    """Settings of the checkin feature."""

    # shift key -> account -> 工号 of the agent who covers it by default
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    early_minutes: int = 60  # a check-in this long before login counts for that shift
    hashtag: str = "#挂号"
    remind_at_login: bool = True
    report_late: bool = True
    chase_missing: bool = True  # at the deadline, remind each agent still missing
    duplicate_distance: int = 16  # perceptual-hash bits that may differ for "the same image"
    archive_images: bool = True
    image_retention_days: int = 90
    live_days: int = 3  # check-ins older than this move from the live file to the archive
    maintenance_at: time = time(4, 30)
    kpi_points: int = 20
    late_penalty: int = 5
    leave_penalty: int = 5
    absence_penalty: int = 10
    ocr: OcrSettings = field(default_factory=OcrSettings)


def parse(section: Section, core: CoreSettings) -> CheckinSettings:
    """Validate the [checkin] table."""
    section.reject_unknown(
        {
            "accounts",
            "early_minutes",
            "hashtag",
            "remind_at_login",
            "report_late",
            "chase_missing",
            "duplicate_distance",
            "archive_images",
            "image_retention_days",
            "live_days",
            "maintenance_at",
            "kpi",
            "ocr",
        }
    )
    hashtag = section.get("hashtag", str, "#挂号").strip()
    if not hashtag.startswith("#") or len(hashtag) < 2 or " " in hashtag:
        raise ConfigError(
            section.key("hashtag"), f"应为以 # 开头的话题词（如 #挂号），收到 {hashtag!r}"
        )
    distance = section.get("duplicate_distance", int, 16)
    if not 0 <= distance <= 64:
        raise ConfigError(section.key("duplicate_distance"), f"应在 0–64 之间，收到 {distance}")
    early = section.get("early_minutes", int, 60)
    if not 0 <= early <= 240:
        raise ConfigError(section.key("early_minutes"), f"应在 0–240 分钟之间，收到 {early}")
    kpi = section.table("kpi")
    kpi.reject_unknown({"points", "late_penalty", "leave_penalty", "absence_penalty"})
    return CheckinSettings(
        accounts=_parse_accounts(section.table("accounts"), core),
        early_minutes=early,
        hashtag=hashtag,
        remind_at_login=section.get("remind_at_login", bool, True),
        report_late=section.get("report_late", bool, True),
        chase_missing=section.get("chase_missing", bool, True),
        duplicate_distance=distance,
        archive_images=section.get("archive_images", bool, True),
        image_retention_days=int(section.positive("image_retention_days", 90)),
        live_days=int(section.positive("live_days", 3)),
        maintenance_at=section.time("maintenance_at", "04:30"),
        kpi_points=int(kpi.positive("points", 20)),
        late_penalty=_non_negative(kpi, "late_penalty", 5),
        leave_penalty=_non_negative(kpi, "leave_penalty", 5),
        absence_penalty=_non_negative(kpi, "absence_penalty", 10),
        ocr=_parse_ocr(section.table("ocr"), core),
    )


def _non_negative(section: Section, name: str, default: int) -> int:
    value = section.get(name, int, default)
    if value < 0:
        raise ConfigError(section.key(name), f"不能小于 0，收到 {value}")
    return value


def _parse_accounts(section: Section, core: CoreSettings) -> dict[str, dict[str, str]]:
    """Read ``[checkin.accounts.<shift>]`` tables of ``"账号" = 工号``."""
    shift_keys = {s.key for s in core.shifts}
    known = {a for p in core.platforms for a in p.accounts}
    result: dict[str, dict[str, str]] = {}
    for shift_key in section.data:
        if shift_key not in shift_keys:
            raise ConfigError(
                section.key(shift_key), f"未知班次 {shift_key!r}，可选：{sorted(shift_keys)}"
            )
        table = section.table(shift_key)
        mapping: dict[str, str] = {}
        for account in table.data:
            if account not in known:
                raise ConfigError(
                    table.key(account), f"未知账号 {account!r}，应为 [[platforms]] 中列出的账号"
                )
            try:
                mapping[account] = parse_work_no(str(table.get(account, (int, str))))
            except ValueError as err:
                raise ConfigError(table.key(account), str(err)) from None
        result[shift_key] = mapping
    return result


def _parse_ocr(section: Section, core: CoreSettings) -> OcrSettings:
    """Validate ``[checkin.ocr]`` and its ``aliases`` table."""
    section.reject_unknown(
        {"enabled", "clock_tolerance_minutes", "time_limit_seconds", "max_image_side", "aliases"}
    )
    tolerance = section.get("clock_tolerance_minutes", int, 10)
    if not 0 <= tolerance <= 240:
        raise ConfigError(
            section.key("clock_tolerance_minutes"), f"应在 0–240 分钟之间，收到 {tolerance}"
        )
    limit = section.get("time_limit_seconds", (int, float), 20)
    if not 1 <= limit <= 300:
        raise ConfigError(section.key("time_limit_seconds"), f"应在 1–300 秒之间，收到 {limit}")
    side = section.get("max_image_side", int, 1920)
    if not 640 <= side <= 8000:
        raise ConfigError(section.key("max_image_side"), f"应在 640–8000 像素之间，收到 {side}")
    return OcrSettings(
        enabled=section.get("enabled", bool, True),
        clock_tolerance_minutes=tolerance,
        time_limit_seconds=float(limit),
        max_image_side=side,
        aliases=_parse_aliases(section.table("aliases"), core),
    )


def _parse_aliases(section: Section, core: CoreSettings) -> dict[str, tuple[str, ...]]:
    """Read ``"账号" = ["屏幕上显示的名字", ...]``; a name may stand for one account only."""
    accounts = [a for p in core.platforms for a in p.accounts]
    owner = {normalize(a): a for a in accounts}
    result: dict[str, tuple[str, ...]] = {}
    for account in section.data:
        key = section.key(account)
        if account not in accounts:
            raise ConfigError(key, f"未知账号 {account!r}，应为 [[platforms]] 中列出的账号")
        names = section.get(account, list)
        for name in names:
            if not isinstance(name, str) or len(normalize(name)) < 2:
                raise ConfigError(
                    key, f"名字应为至少含两个汉字、字母或数字的字符串，收到 {name!r}"
                )
            taken = owner.setdefault(normalize(name), account)
            if taken != account:
                raise ConfigError(key, f"名字 {name!r} 已用于账号 {taken!r}，截图中无法区分")
        result[account] = tuple(names)
    return result
