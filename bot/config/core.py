"""The core settings (timezone, chats, shifts, platforms, members) and the loader."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import checkin, deadlines, discounts, handover, kpi, remarks, scripts
from bot.config.base import CoreSettings, Platform
from bot.config.checkin import CheckinSettings
from bot.config.deadlines import DeadlinesSettings
from bot.config.discounts import DiscountSettings
from bot.config.errors import ConfigError
from bot.config.handover import HandoverSettings
from bot.config.kpi import KpiSettings
from bot.config.reader import Section
from bot.config.remarks import RemarksSettings
from bot.config.scripts import ScriptsSettings
from bot.domain.members import Member, Role, parse_work_no
from bot.domain.shifts import Shift, deadline_within_shift

# Each feature reads its own table with ``bot.config.<name>.parse(section, …)``.
FEATURE_SECTIONS = (
    "checkin",
    "handover",
    "remarks",
    "scripts",
    "deadlines",
    "discounts",
    "kpi",
)


@dataclass(kw_only=True)
class Settings(CoreSettings):
    """Everything the settings file says, validated: the core and one field per feature."""

    checkin: CheckinSettings
    handover: HandoverSettings
    remarks: RemarksSettings
    scripts: ScriptsSettings
    deadlines: DeadlinesSettings
    discounts: DiscountSettings
    kpi: KpiSettings


def load_settings(path: Path) -> Settings:
    """Read and validate the settings file; raise ConfigError with one clear line."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file", f"找不到配置文件 {path}（可复制 config.example.toml）") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("file", f"{path} 不是有效的 TOML：{err}") from None
    settings = parse_settings(raw)
    settings.source = Path(path)
    return settings


def parse_settings(raw: dict[str, Any]) -> Settings:
    """Validate a parsed TOML document into Settings."""
    top = Section(raw, "")
    top.reject_unknown(
        {
            "timezone",
            "chats",
            "shop",
            "shifts",
            "platforms",
            "members",
            "storage",
            *FEATURE_SECTIONS,
        }
    )
    tz_name = top.get("timezone", str, "Asia/Shanghai")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("timezone", f"未知时区 {tz_name!r}（如 Asia/Shanghai）") from None

    chats = top.table("chats")
    chats.reject_unknown({"team", "leads", "join_per_hour"})
    team = chats.get("team", list)
    if not team or not all(isinstance(c, int) and not isinstance(c, bool) for c in team):
        raise ConfigError("chats.team", "应为至少一个群聊 ID（整数，如 -1001234567890）")
    leads_chat = chats.get("leads", int, None)

    shifts = _parse_shifts(top)
    platforms = _parse_platforms(top)
    members = _parse_members(top, {s.key for s in shifts})
    storage = top.table("storage")
    storage.reject_unknown({"backup_days", "log_days"})
    core = CoreSettings(
        timezone=timezone,
        team_chats=tuple(team),
        leads_chat=leads_chat,
        shifts=shifts,
        platforms=platforms,
        members=members,
        shop=dict(top.get("shop", dict, {})),
        backup_days=int(storage.positive("backup_days", 14)),
        log_days=int(storage.positive("log_days", 14)),
        join_per_hour=int(chats.positive("join_per_hour", 5)),
    )
    checkin_settings = checkin.parse(top.table("checkin"), core)
    return Settings(
        **vars(core),
        checkin=checkin_settings,
        handover=handover.parse(top.table("handover"), core),
        remarks=remarks.parse(top.table("remarks"), core),
        scripts=scripts.parse(top.table("scripts"), core),
        deadlines=deadlines.parse(top.table("deadlines"), core),
        discounts=discounts.parse(top.table("discounts")),
        kpi=kpi.parse(top.table("kpi"), checkin_settings),
    )


def _parse_shifts(top: Section) -> tuple[Shift, ...]:
    shifts = []
    for sec in top.tables("shifts"):
        sec.reject_unknown({"key", "name", "login", "checkin_deadline", "end"})
        shift = Shift(
            key=sec.get("key", str),
            name=sec.get("name", str),
            login=sec.time("login"),
            checkin_deadline=sec.time("checkin_deadline"),
            end=sec.time("end"),
        )
        if shift.login == shift.end:
            raise ConfigError(sec.key("end"), "下班时间不能等于上班时间")
        if not deadline_within_shift(shift):
            raise ConfigError(
                sec.key("checkin_deadline"),
                f"挂号截止 {shift.checkin_deadline:%H:%M} 应在上班 {shift.login:%H:%M} "
                f"与下班 {shift.end:%H:%M} 之间",
            )
        if any(s.key == shift.key for s in shifts):
            raise ConfigError(sec.key("key"), f"班次 {shift.key!r} 重复")
        shifts.append(shift)
    if not shifts:
        raise ConfigError("shifts", "至少需要一个班次（[[shifts]]）")
    return tuple(shifts)


def _parse_platforms(top: Section) -> tuple[Platform, ...]:
    platforms: list[Platform] = []
    seen_accounts: set[str] = set()
    for sec in top.tables("platforms"):
        sec.reject_unknown({"key", "name", "accounts"})
        accounts = sec.get("accounts", list, [])
        if not all(isinstance(a, str) and a.strip() for a in accounts):
            raise ConfigError(sec.key("accounts"), "应为账号名（字符串）的列表")
        for account in accounts:
            if account in seen_accounts:
                raise ConfigError(sec.key("accounts"), f"账号 {account!r} 重复")
            seen_accounts.add(account)
        platform = Platform(sec.get("key", str), sec.get("name", str), tuple(accounts))
        if any(p.key == platform.key for p in platforms):
            raise ConfigError(sec.key("key"), f"平台 {platform.key!r} 重复")
        platforms.append(platform)
    return tuple(platforms)


def _parse_members(top: Section, shift_keys: set[str]) -> tuple[Member, ...]:
    members: list[Member] = []
    for sec in top.tables("members"):
        sec.reject_unknown({"user_id", "work_no", "name", "role", "shift", "days_off"})
        try:
            work_no = parse_work_no(str(sec.get("work_no", (int, str))))
        except ValueError as err:
            raise ConfigError(sec.key("work_no"), str(err)) from None
        try:
            role = Role.parse(sec.get("role", str, "agent"))
        except ValueError as err:
            raise ConfigError(sec.key("role"), str(err)) from None
        shift = sec.get("shift", str, None)
        if shift is not None and shift not in shift_keys:
            raise ConfigError(sec.key("shift"), f"未知班次 {shift!r}，可选：{sorted(shift_keys)}")
        member = Member(
            user_id=sec.get("user_id", int),
            work_no=work_no,
            name=sec.get("name", str),
            role=role,
            shift=shift,
            days_off=sec.weekdays("days_off"),
        )
        if any(m.user_id == member.user_id for m in members):
            raise ConfigError(sec.key("user_id"), f"用户 ID {member.user_id} 重复")
        if any(m.work_no == member.work_no for m in members):
            raise ConfigError(sec.key("work_no"), f"工号 {member.work_no} 重复")
        members.append(member)
    return tuple(members)
