"""Plain rows the charts and the spreadsheet are built from (filled by the service layer).

Everything here pickles, so a worker process can build a report from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.checkin_report import AttendanceRow
from bot.domain.discounts import Gift, Request
from bot.domain.kpi import KpiRules, Row


def met(done: datetime | None, due: datetime, now: datetime) -> bool | None:
    """Return True if done by ``due``, False if done late or still open past it, else None."""
    if done is not None:
        return done <= due
    return False if due <= now else None


@dataclass(frozen=True)
class DeadlineLine:
    """One watched item of the month: who owned it, when it was due, when it was done."""

    number: int
    rule: str  # the rule's label: 催付, 京东工单, 回访 …
    owner: str  # "1号 张三"
    ref: str  # order, customer or ticket (may hold a phone number: masked unless full)
    due: datetime
    done: datetime | None = None
    status: str = ""  # how it ended, in Chinese (已处理, 已付款 …); empty while open
    received: datetime | None = None
    work_no: str = ""  # the owner's 工号, to join with the KPI sheet
    kind: str = ""  # the item's type: dunning, followup, ticket, shipped …

    @property
    def on_time(self) -> bool | None:
        """Whether it was done by its due time (None while still open)."""
        return self.done <= self.due if self.done is not None else None

    def met(self, now: datetime) -> bool | None:
        """Whether it counts as met (True), missed (False, also open past due) or not yet."""
        return met(self.done, self.due, now)


@dataclass(frozen=True)
class DunningLine:
    """One unpaid order chased (催付) and what came of it."""

    order_no: str
    platform: str
    owner: str
    due: datetime
    chased: datetime | None  # the first attempt
    result: str = ""  # the last attempt's result
    paid: bool = False
    work_no: str = ""

    def met(self, now: datetime) -> bool | None:
        """Whether the chase was done by the cutoff (False also when missing past it)."""
        return met(self.chased, self.due, now)


@dataclass(frozen=True)
class SalesLine:
    """One 工号's remarks of the month: orders credited (the sales count) and remarks written."""

    work_no: str
    name: str
    orders: int
    remarks: int


@dataclass(frozen=True)
class RemarkLine:
    """One remark version written in the month."""

    order_no: str
    at: datetime
    seller: str  # "1号 张三"
    author: str
    colour: str  # 红旗 …
    text: str  # the canonical remark (may hold a phone number or address)


@dataclass(frozen=True)
class Counts:
    """A pair of counts for a bar: done on time and not (or chased and paid)."""

    label: str
    good: int
    bad: int


@dataclass(frozen=True)
class MonthExport:
    """Everything the month's spreadsheet holds."""

    month: str  # YYYY-MM
    timezone: str  # the team's, for every date shown
    made_at: datetime
    final: bool  # the KPI sheet is final (archived) or the month so far
    attendance: tuple[AttendanceRow, ...] = ()
    attendance_points: int = 20
    deadlines: tuple[DeadlineLine, ...] = ()
    dunning: tuple[DunningLine, ...] = ()
    sales: tuple[SalesLine, ...] = ()
    remarks: tuple[RemarkLine, ...] = ()
    requests: tuple[Request, ...] = ()
    gifts: tuple[Gift, ...] = ()
    kpi: tuple[Row, ...] = ()
    rules: KpiRules = field(default_factory=KpiRules)
    full: bool = False  # True only for an admin in private: phone numbers unmasked
