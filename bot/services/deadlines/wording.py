"""How the deadlines feature writes items, times and lists for people."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import TeamTime
from bot.config import Settings
from bot.domain.deadline_item import DUNNING, FOLLOWUP, SHIPPED, DeadlineItem, chase_met, chased
from bot.domain.deadlines import is_overdue, lateness_minutes
from bot.domain.members import WEEKDAY_NAMES, Member, short_name
from bot.domain.text import mask_phones
from bot.persistence.members import MemberRepo
from bot.scripts import ScriptBook
from bot.services.deadlines.platforms import platform_of

log = logging.getLogger(__name__)


@dataclass
class Wording:
    """Describes items, their due times, owners and lists; renders the scripts reminders use."""

    settings: Settings
    time: TeamTime
    members: MemberRepo
    scripts: ScriptBook

    def fmt(self, moment: datetime) -> str:
        """Return a moment as 今天 10:30 / 明天 10:30 / 11-30（周一）10:30."""
        local = self.time.local(moment)
        today = self.time.today()
        if local.date() == today:
            return f"今天 {local:%H:%M}"
        if local.date() == today + timedelta(days=1):
            return f"明天 {local:%H:%M}"
        return f"{local:%m-%d}（{WEEKDAY_NAMES[local.weekday()]}）{local:%H:%M}"

    def describe(self, item: DeadlineItem) -> str:
        """Return e.g. ``催付 #3 订单 3391827740（天猫）``."""
        number = f"#{item.id}"
        if item.kind == DUNNING:
            platform = platform_of(self.settings.platforms, item.platform)
            where = f"（{platform.name}）" if platform else ""
            return f"催付 {number} 订单 {item.ref}{where}"
        if item.kind == FOLLOWUP:
            return f"回访 {number} 客户 {mask_phones(item.ref)}（{item.cls}类）"
        if item.kind == SHIPPED:
            return f"发货回访 {number} 订单 {item.ref}"
        return f"{self.settings.deadlines.rules[item.rule].label} {number} 工单 {item.ref}"

    def owner_of(self, item: DeadlineItem) -> str:
        """Return the item's owner as ``3号 王五`` (or a note that they left)."""
        return short_name(self.members.get(item.owner))

    def due_of(self, item: DeadlineItem) -> str:
        """Return the item's due time as :meth:`fmt` writes it."""
        return self.fmt(item.due)

    def line(self, item: DeadlineItem, now: datetime, with_owner: bool = False) -> str:
        """Return one line of a list: description, due, overdue mark, owner."""
        text = f"{self.describe(item)} · 应于 {self.fmt(item.due)}"
        if item.paused:
            text += " · 待组长复核"
        elif chased(item):
            text += f" · 已{'按时' if chase_met(item) else '超时'}催付，等待付款"
        elif is_overdue(item.due, now):
            text = f"⚠️ {text} · 已超时 {duration(lateness_minutes(item.due, now))}"
        if with_owner:
            text += f" · {self.owner_of(item)}"
        return text

    def listing(
        self,
        items: list[DeadlineItem],
        total: int,
        now: datetime,
        with_owner: bool = False,
        rest: str = "",
    ) -> list[str]:
        """Return the lines of the first items of a list of ``total``, with a line counting
        the rest (and, in ``rest``, how to see them)."""
        lines = [self.line(i, now, with_owner) for i in items]
        if total > len(items):
            more = rest or f"（按到期先后只列前 {len(items)} 项）"
            lines.append(f"……另有 {total - len(items)} 项未列出{more}")
        return lines

    def opened(self, item: DeadlineItem, verb: str, now: datetime) -> str:
        """Return the confirmation of a new item: what, due when, whose, and if already late."""
        text = (
            f"已登记{verb}：{self.describe(item)}，应于 {self.fmt(item.due)} 前完成"
            f" · 负责人 {self.owner_of(item)}"
        )
        if is_overdue(item.due, now):
            text += f"\n⚠️ 登记时已超时 {duration(lateness_minutes(item.due, now))}，请立即处理。"
        return text

    def script(self, name: str, values: dict[str, str], member: Member | None) -> str:
        """Render a reply script of the scripts feature; empty when it is not available."""
        if member is None:
            return ""
        try:
            return str(self.scripts.render(name, values, member))
        except Exception as err:  # a missing or broken script must not stop the reminder
            log.warning("script %s not rendered: %s", name, err)
            return ""


def duration(minutes: int) -> str:
    """Return a span of minutes as 分钟 / 小时 / 天 the way a person would say it."""
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {rest} 分钟" if rest else f"{hours} 小时"
    return f"{hours // 24} 天"
