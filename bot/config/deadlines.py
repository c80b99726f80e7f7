"""Settings of the deadlines feature (the [deadlines] table); seed values are the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from bot.config.base import CoreSettings
from bot.config.errors import ConfigError
from bot.config.reader import Section
from bot.domain.deadlines import BUSINESS, CALENDAR, CUTOFF, KINDS, Rule, business_day_hours
from bot.domain.followup import Cadence
from bot.domain.times import parse_hhmm

# The rules of DOMAIN.md (seeds 004, 000). A [deadlines.rules.<name>] table overrides keys.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "dunning": {
        "label": "催付",
        "kind": CUTOFF,
        "windows": [["08:00", "10:30"], ["15:00", "16:30"]],
        "owner": "holder",
    },
    "tmall": {"label": "天猫小二介入", "kind": CALENDAR, "hours": 48},
    "jd": {"label": "京东工单", "kind": BUSINESS, "hours": 2, "opens": "09:00", "closes": "18:00"},
    "vip": {
        "label": "唯品会工单",
        "kind": CUTOFF,
        "windows": [["10:30", "12:00"], ["16:00", "18:00"]],
    },
    "erp": {"label": "ERP工单", "kind": CALENDAR, "hours": 24},
    "refund": {
        "label": "未发货退款",
        "kind": CUTOFF,
        "windows": [["09:59", "10:00"], ["17:29", "17:30"]],
    },
    "email": {"label": "邮件", "kind": BUSINESS, "days": 1, "opens": "09:00", "closes": "18:00"},
    "shipped": {"label": "发货第7天回访", "kind": CALENDAR, "days": 7},
}

# Words typed after /ticket → rule name.
DEFAULT_TICKETS = {
    "天猫": "tmall",
    "tmall": "tmall",
    "京东": "jd",
    "jd": "jd",
    "唯品会": "vip",
    "vip": "vip",
    "erp": "erp",
    "退款": "refund",
    "refund": "refund",
    "邮件": "email",
    "email": "email",
}

DEFAULT_ROUTINES: list[dict[str, Any]] = [
    {"name": "daily_report", "at": "17:00", "text": "📝 请在 18:00 前提交今日工作日报。"},
    {
        "name": "weekly_meeting",
        "at": "08:00",
        "days": ["周一"],
        "workdays_only": True,
        "text": "📅 今天 09:00 周例会：每位客服汇报上周工作和需要改进的地方。",
    },
]


UNPAID_CLOSE_AFTER = timedelta(hours=72)  # how long a platform keeps an unpaid order open
GIVEN_UP_WORDS = ("不要了", "不买了", "已取消", "取消订单", "已关闭")


@dataclass(frozen=True)
class Routine:
    """A recurring reminder to the team (daily report, weekly meeting)."""

    name: str
    at: time
    text: str
    weekdays: tuple[int, ...] = ()  # ISO weekdays; empty: every day
    to: str = "team"  # "team" or "leads"
    workdays_only: bool = False


@dataclass(frozen=True)
class DeadlinesSettings:
    """Settings of the deadlines feature."""

    rules: dict[str, Rule]
    tickets: dict[str, str]
    dunning_rule: str = "dunning"
    shipped_rule: str = "shipped"
    shared_platforms: tuple[str, ...] = ("tmall", "jd")
    # Words in a /dunned result that mean the buyer gave the order up: it closes, unpaid.
    given_up_words: tuple[str, ...] = GIVEN_UP_WORDS
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    calendar_warn_days: int = 60
    cadence: Cadence = field(default_factory=Cadence)
    review_at: time = time(16, 0)
    review_share_b: float = 0.6
    routines: tuple[Routine, ...] = ()
    list_limit: int = 30
    unpaid_close_after: timedelta = UNPAID_CLOSE_AFTER


def parse(section: Section, core: CoreSettings) -> DeadlinesSettings:
    """Validate the [deadlines] table."""
    section.reject_unknown(
        {
            "warn_before",
            "escalate_after",
            "shared_platforms",
            "given_up_words",
            "holidays",
            "workdays",
            "calendar_warn_days",
            "rules",
            "tickets",
            "followup",
            "routines",
            "list_limit",
            "unpaid_close_hours",
        }
    )
    warn_before = _minutes_list(section, "warn_before", [30, 10])
    escalate_after = int(section.positive("escalate_after", 60))
    platform_keys = {p.key for p in core.platforms}
    shared = section.get("shared_platforms", list, ["tmall", "jd"])
    for key in shared:
        if key not in platform_keys:
            raise ConfigError(section.key("shared_platforms"), f"未知平台 {key!r}")

    rules_sec = section.table("rules")
    names = list(DEFAULT_RULES) + [n for n in rules_sec.data if n not in DEFAULT_RULES]
    rules = {
        name: _parse_rule(name, rules_sec.table(name), warn_before, escalate_after)
        for name in names
    }
    tickets_sec = section.table("tickets")
    tickets = dict(DEFAULT_TICKETS)
    for word, rule_name in tickets_sec.data.items():
        if not isinstance(rule_name, str) or rule_name not in rules:
            raise ConfigError(tickets_sec.key(word), f"应为规则名之一：{'、'.join(rules)}")
        tickets[word.lower()] = rule_name

    follow = section.table("followup")
    follow.reject_unknown({"visit_days", "remind_at", "due_at", "review_at", "review_share_b"})
    cadence = Cadence(
        visit_days=_visit_days(follow),
        remind_at=follow.time("remind_at", "10:00"),
        due_at=follow.time("due_at", "17:00"),
    )
    share = follow.get("review_share_b", (int, float), 0.6)
    if not 0 <= share <= 1:
        raise ConfigError(follow.key("review_share_b"), f"应在 0 到 1 之间，收到 {share}")

    return DeadlinesSettings(
        rules=rules,
        tickets=tickets,
        shared_platforms=tuple(shared),
        given_up_words=_words(section, "given_up_words", GIVEN_UP_WORDS),
        holidays=_dates(section, "holidays"),
        workdays=_dates(section, "workdays"),
        calendar_warn_days=int(section.positive("calendar_warn_days", 60)),
        cadence=cadence,
        review_at=follow.time("review_at", "16:00"),
        review_share_b=float(share),
        routines=_routines(section),
        list_limit=int(section.positive("list_limit", 30)),
        unpaid_close_after=timedelta(hours=int(section.positive("unpaid_close_hours", 72))),
    )


def _words(section: Section, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    words = section.get(name, list, list(default))
    if not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise ConfigError(section.key(name), "应为非空的词语列表")
    return tuple(w.strip() for w in words)


def _parse_rule(name: str, sec: Section, warn_before: list[int], escalate: int) -> Rule:
    sec.reject_unknown(
        {
            "label",
            "kind",
            "windows",
            "hours",
            "days",
            "opens",
            "closes",
            "workdays",
            "owner",
            "warn_before",
            "escalate_after",
        }
    )
    merged = Section({**DEFAULT_RULES.get(name, {}), **sec.data}, sec.path)
    kind = merged.get("kind", str)
    if kind not in KINDS:
        raise ConfigError(merged.key("kind"), f"应为 {'、'.join(KINDS)} 之一，收到 {kind!r}")
    owner = merged.get("owner", str, "creator")
    if owner not in ("creator", "holder"):
        raise ConfigError(merged.key("owner"), f"应为 creator 或 holder，收到 {owner!r}")
    escalate_after = merged.get("escalate_after", int, escalate)
    rule = Rule(
        name=name,
        label=merged.get("label", str, name),
        kind=kind,
        windows=_windows(merged) if kind == CUTOFF else (),
        opens=merged.time("opens", "09:00"),
        closes=merged.time("closes", "18:00"),
        workdays=bool(merged.get("workdays", bool, kind == BUSINESS)),
        owner=owner,
        warn_before=tuple(_minutes_list(merged, "warn_before", warn_before)),
        escalate_after=escalate_after if escalate_after > 0 else None,
    )
    if kind == BUSINESS and rule.closes <= rule.opens:
        raise ConfigError(merged.key("closes"), "下班时间应晚于上班时间")
    if kind in (BUSINESS, CALENDAR):
        if "hours" in merged.data and "days" in merged.data:
            raise ConfigError(merged.key("days"), "hours 与 days 只能写一个")
        if "days" in merged.data:
            days = float(merged.positive("days", 1))
            per_day = business_day_hours(rule) if kind == BUSINESS else 24.0
            hours = days * per_day
        else:
            hours = float(merged.positive("hours", 1))
        rule = Rule(**{**rule.__dict__, "hours": hours})
    return rule


def _windows(sec: Section) -> tuple[tuple[time, time], ...]:
    raw = sec.get("windows", list)
    windows = []
    for pair in raw:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        ):
            raise ConfigError(sec.key("windows"), f'每项应为 ["截止", "到期"]，收到 {pair!r}')
        try:
            before, due = parse_hhmm(pair[0]), parse_hhmm(pair[1])
        except ValueError as err:
            raise ConfigError(sec.key("windows"), str(err)) from None
        if due < before:
            raise ConfigError(sec.key("windows"), f"到期 {pair[1]} 早于截止 {pair[0]}")
        if windows and before <= windows[-1][0]:
            raise ConfigError(sec.key("windows"), "各窗口应按截止时间从早到晚排列")
        windows.append((before, due))
    if not windows:
        raise ConfigError(sec.key("windows"), "至少需要一个窗口")
    return tuple(windows)


def _minutes_list(sec: Section, name: str, default: list[int]) -> list[int]:
    value = sec.get(name, list, default)
    if not all(isinstance(m, int) and not isinstance(m, bool) and m > 0 for m in value):
        raise ConfigError(sec.key(name), f"应为正整数分钟的列表，收到 {value!r}")
    return list(value)


def _visit_days(sec: Section) -> tuple[tuple[int, int], ...]:
    raw = sec.get("visit_days", list, [[2, 2], [3, 5], [7, 7]])
    result: list[tuple[int, int]] = []
    for pair in raw:
        ok = isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, int) for x in pair)
        if not ok or not 1 <= pair[0] <= pair[1]:
            raise ConfigError(sec.key("visit_days"), f"每项应为 [开始天, 结束天]，收到 {pair!r}")
        if result and pair[0] <= result[-1][1]:
            raise ConfigError(sec.key("visit_days"), "各次回访的天数应依次递增")
        result.append((pair[0], pair[1]))
    if not result:
        raise ConfigError(sec.key("visit_days"), "至少需要一次回访")
    return tuple(result)


def _dates(sec: Section, name: str) -> frozenset[date]:
    result = set()
    for value in sec.get(name, list, []):
        try:
            result.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise ConfigError(sec.key(name), f"日期应为 YYYY-MM-DD，收到 {value!r}") from None
    return frozenset(result)


def _routines(section: Section) -> tuple[Routine, ...]:
    if "routines" not in section.data:
        tables = [
            Section(r, f"{section.key('routines')}[{i}]") for i, r in enumerate(DEFAULT_ROUTINES)
        ]
    else:
        tables = section.tables("routines")
    routines = []
    for sec in tables:
        sec.reject_unknown({"name", "at", "text", "days", "to", "workdays_only"})
        days = sec.weekdays("days")
        to = sec.get("to", str, "team")
        if to not in ("team", "leads"):
            raise ConfigError(sec.key("to"), f"应为 team 或 leads，收到 {to!r}")
        name = sec.get("name", str)
        if any(r.name == name for r in routines):
            raise ConfigError(sec.key("name"), f"提醒 {name!r} 重复")
        routines.append(
            Routine(
                name=name,
                at=sec.time("at"),
                text=sec.get("text", str),
                weekdays=days,
                to=to,
                workdays_only=bool(sec.get("workdays_only", bool, False)),
            )
        )
    return tuple(routines)
