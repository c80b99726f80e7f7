"""Orders (订单): numbers, platforms, and the history of remarks and dunning on each.

An order is a list of events: remark versions (who sold it, the parts, the flag) and
dunning attempts (催付: result, agent, time). The memo pasted into the platform is the
current remark followed by the dunning attempts, as seed 004 asks (催付顾客均需备注催付结果,
并注明催付人姓名及时间).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from bot.domain.dates import read_day, read_month
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.numbers import half_width
from bot.domain.records import from_doc, to_doc
from bot.domain.remarks import Colour, Remark
from bot.domain.times import iso, parse_iso

_ORDER_CHARS = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class OrderRules:
    """How order numbers look: allowed length, an example, and each platform's format."""

    min_length: int = 6
    max_length: int = 32
    example: str = "3659284710562839471"
    formats: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def validate(self, text: str) -> str:
        """Return the order number cleaned (``#`` and spaces dropped); raise UserError."""
        order_no = half_width(text.strip()).removeprefix("#").strip()
        hint = (
            f"订单号应为字母、数字或短横线，{self.min_length}–{self.max_length} 位，"
            f"例如 {self.example}"
        )
        if not order_no:
            raise UserError(f"缺少订单号。{hint}")
        if not _ORDER_CHARS.match(order_no) or order_no.startswith("-") or order_no.endswith("-"):
            raise UserError(f"订单号 {order_no} 含有不允许的字符。{hint}")
        if not self.min_length <= len(order_no) <= self.max_length:
            raise UserError(f"订单号 {order_no} 长度为 {len(order_no)} 位。{hint}")
        return order_no.upper()

    def platforms_of(self, order_no: str) -> list[str]:
        """Return every platform whose order-number format matches, in settings order."""
        return [key for key, pattern in self.formats if pattern.fullmatch(order_no)]

    def detect(self, order_no: str) -> str | None:
        """Return the one platform the number's format points to, or None if not exactly one."""
        matches = self.platforms_of(order_no)
        return matches[0] if len(matches) == 1 else None


@dataclass
class RemarkVersion:
    """One version of an order's remark."""

    number: int
    at: datetime
    seller: str  # 工号 credited with the sale
    seller_name: str
    author: str  # 工号 of who wrote it (a lead may write for another seller)
    author_name: str
    text: str  # what the agent typed
    canonical: str  # the remark in the standard order, with the seller's tag
    remark: Remark
    platform: str | None = None

    @property
    def colour(self) -> Colour:
        """Return the flag of this version."""
        return self.remark.colour


@dataclass
class SignedPart:
    """A dated part of an order's memo that names who added it: a 催付 attempt or a note."""

    kind: ClassVar[str]  # the stored event's kind
    says: ClassVar[str]  # what the part says before who added it and when, from the fields
    at: datetime
    work_no: str
    name: str

    def part(self, tz: ZoneInfo) -> str:
        """Return the part as the memo shows it: ``催付：已付款（张三 11-23 10:15）``."""
        says = self.says.format_map(vars(self))
        return f"{says}（{self.name} {self.at.astimezone(tz):%m-%d %H:%M}）"

    def event(self, order_no: str, platform: str | None) -> dict[str, Any]:
        """Return the stored form of the part."""
        return {"kind": self.kind, "order_no": order_no, **to_doc(self), "platform": platform}


@dataclass
class DunningAttempt(SignedPart):
    """One 催付 attempt on an unpaid order."""

    kind: ClassVar[str] = "dunning"
    says: ClassVar[str] = "催付：{result}"
    result: str


@dataclass
class OrderNote(SignedPart):
    """A note another feature puts on an order (a lead's discount approval, a gift)."""

    kind: ClassVar[str] = "note"
    says: ClassVar[str] = "{text}"
    text: str


@dataclass
class Order:
    """An order's remark versions, notes and dunning attempts, oldest first."""

    order_no: str
    platform: str | None = None
    versions: list[RemarkVersion] = field(default_factory=list)
    dunning: list[DunningAttempt] = field(default_factory=list)
    notes: list[OrderNote] = field(default_factory=list)

    @property
    def current(self) -> RemarkVersion | None:
        """Return the latest remark version."""
        return self.versions[-1] if self.versions else None

    @property
    def seller(self) -> str | None:
        """Return the 工号 credited with the sale (from the latest version)."""
        return self.current.seller if self.current else None

    @property
    def colour(self) -> Colour | None:
        """Return the current flag (None before any remark)."""
        return self.current.colour if self.current else None

    @property
    def first_remarked(self) -> datetime | None:
        """Return when the order was first remarked (the sale, for commission)."""
        return self.versions[0].at if self.versions else None

    @property
    def updated(self) -> datetime | None:
        """Return the moment of the latest event."""
        moments = [v.at for v in self.versions] + [d.at for d in self.dunning]
        moments += [n.at for n in self.notes]
        return max(moments) if moments else None

    def repeats(self, canonical: str, colour: Colour, platform: str | None) -> bool:
        """Whether a new remark says what the current version already says (no new version)."""
        current = self.current
        return (
            current is not None
            and current.canonical == canonical
            and current.colour is colour
            and current.platform == platform
        )

    def memo(self, tz: ZoneInfo, remark: str | None = None) -> str:
        """Return the text to paste: the (given or current) remark, notes, dunning attempts."""
        head = remark if remark is not None else (self.current.canonical if self.current else "")
        parts = [head] if head else []
        parts.extend(n.part(tz) for n in self.notes)
        parts.extend(d.part(tz) for d in self.dunning)
        return "、".join(parts)

    def apply(self, event: dict[str, Any]) -> None:
        """Add one stored event (a remark version, a note or a dunning attempt)."""
        if event.get("platform"):
            self.platform = event["platform"]
        if event["kind"] == "remark":
            self.versions.append(version_from_event(event))
        elif event["kind"] == "dunning":
            self.dunning.append(from_doc(DunningAttempt, event))
        elif event["kind"] == "note":
            self.notes.append(from_doc(OrderNote, event))

    @classmethod
    def from_events(cls, order_no: str, events: list[dict[str, Any]]) -> Order:
        """Rebuild an order from its stored events, in time order."""
        order = cls(order_no)
        for event in sorted(events, key=lambda e: e["at"]):
            order.apply(event)
        return order


@dataclass(frozen=True)
class RemarkWritten:
    """What /remark did: the order now, the version it shows, and whether that is new."""

    order: Order
    version: RemarkVersion
    added: bool  # False: identical to the current version, nothing stored
    author: Member


@dataclass(frozen=True)
class DayRemarks:
    """The latest remark version of each order remarked on one day, maybe of one seller."""

    day: date
    seller: Member | None
    rows: list[tuple[str, RemarkVersion]]


def remark_event(order_no: str, version: RemarkVersion) -> dict[str, Any]:
    """Return the stored form of a remark version."""
    return {
        "kind": "remark",
        "order_no": order_no,
        "number": version.number,
        "at": iso(version.at),
        "seller": version.seller,
        "seller_name": version.seller_name,
        "author": version.author,
        "author_name": version.author_name,
        "text": version.text,
        "canonical": version.canonical,
        "parts": version.remark.to_doc(),
        "platform": version.platform,
    }


def version_from_event(event: dict[str, Any]) -> RemarkVersion:
    """Read a stored remark version back."""
    return RemarkVersion(
        number=int(event["number"]),
        at=parse_iso(event["at"]),
        seller=event["seller"],
        seller_name=event["seller_name"],
        author=event["author"],
        author_name=event["author_name"],
        text=event["text"],
        canonical=event["canonical"],
        remark=Remark.from_doc(event["parts"]),
        platform=event.get("platform"),
    )


def utf8_bytes(text: str) -> int:
    """Return the size of ``text`` as the platforms count it (UTF-8 bytes)."""
    return len(text.encode("utf-8"))


def check_memo_size(memo: str, limit: int, platform_name: str, breakdown: str = "") -> None:
    """Refuse a memo the platform would cut: raise UserError with the bytes and who uses them."""
    size = utf8_bytes(memo)
    if size > limit:
        raise UserError(
            f"备注共 {size} 字节，超过{platform_name}备注上限 {limit} 字节"
            f"（多 {size - limit} 字节）{breakdown}，请精简后重发。"
        )


def memo_breakdown(head: str, notes: list[str]) -> str:
    """Return which parts of a memo take its bytes: the remark and the dunning notes."""
    if not notes:
        return f"：备注正文 {utf8_bytes(head)} 字节"
    return (
        f"：备注正文 {utf8_bytes(head)} 字节，"
        f"催付记录 {len(notes)} 条共 {utf8_bytes('、'.join(notes))} 字节"
    )


@dataclass(frozen=True)
class SellerSales:
    """How many orders one 工号 is credited with in a period (commission)."""

    work_no: str
    name: str
    orders: int


def sales_period(arg: str | None, today: date) -> tuple[date, date, str]:
    """Return [start, end) and a label for a day, a month, or (no arg) this month so far."""
    if arg is None:
        start = today.replace(day=1)
        return start, _next_month(start), f"{start:%Y-%m}（本月至今）"
    day = read_day(arg, today, past=True)
    if day is not None:
        return day, day + timedelta(days=1), f"{day:%Y-%m-%d}"
    month = read_month(arg, today)
    if month is None:
        raise UserError(f"看不懂「{arg}」：应为日期（如 11-20）或月份（如 2026-11）。")
    start = date(month[0], month[1], 1)
    return start, _next_month(start), f"{start:%Y-%m}"


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
