"""A deadline item (待办): a chased order, a followed-up customer, a ticket or a shipping check.

Kinds share the fields of a due time and its reminder ladder; a dunning item adds its
attempts, a follow-up its class, visits and review. Moments are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.members import Member, Role

DUNNING = "dunning"
FOLLOWUP = "followup"
TICKET = "ticket"
SHIPPED = "shipped"

# How an item ended (``Closing.status``), in the words the lead's export and reports show.
CLOSING_WORDS = {
    "paid": "已付款",
    "given_up": "买家不要了",
    "expired": "超时未付款关闭",
    "done": "已处理",
    "bought": "已成交",
    "no_reply": "多次回访无回复",
    "lost": "客户流失",
    "no_followup": "无需跟进",
}


@dataclass(slots=True)
class Attempt:
    """One dunning attempt: when, by whom, and what came of it."""

    at: datetime
    by: int
    result: str


@dataclass(slots=True)
class Visit:
    """One follow-up visit: its number in the cycle, when, by whom, and a note."""

    n: int
    at: datetime
    by: int
    note: str


@dataclass(slots=True)
class Closing:
    """How an item ended: status (paid, done, lost…), when, by whom, and the words given."""

    status: str
    at: datetime
    by: int | None
    note: str = ""


@dataclass(slots=True)
class DeadlineItem:
    """One open (or archived) item with its due time and the next rung of its ladder."""

    kind: str  # DUNNING, FOLLOWUP, TICKET or SHIPPED
    ref: str  # order number, customer, ticket number
    rule: str
    owner: int  # user id
    creator: int
    created: datetime
    received: datetime
    due: datetime
    platform: str | None = None
    note: str = ""
    opens: datetime | None = None  # follow-up: when the visit window opens
    rung: int = 0  # index of the next rung of the ladder
    next_at: datetime | None = None  # when that rung fires; None: nothing left to send
    id: int = 0  # 0 until stored
    attempts: list[Attempt] = field(default_factory=list)  # dunning
    cls: str = "A"  # follow-up: A, B or C
    concern: str = ""
    cycle_start: date | None = None
    visit: int = 1  # the visit now due, 1-based
    visits: list[Visit] = field(default_factory=list)
    paused: bool = False  # a C customer waiting for the lead's review
    review: str | None = None  # None, pending, asked, skipped, go, stop
    replies: int = 0
    closing: Closing | None = None


def closing_word(status: str) -> str:
    """Return how an item ended in Chinese; raise ValueError for a status nobody named."""
    try:
        return CLOSING_WORDS[status]
    except KeyError:
        raise ValueError(f"unknown closing status {status!r}") from None


def chased(item: DeadlineItem) -> bool:
    """Whether a dunning item has been chased: its duty is done, only the payment is open."""
    return item.kind == DUNNING and bool(item.attempts)


def awaits_action(item: DeadlineItem) -> bool:
    """Whether an open item still asks its owner to act (not paused, not already chased)."""
    return asks_action(item.kind, item.paused, bool(item.attempts))


def asks_action(kind: str, paused: bool, attempted: bool) -> bool:
    """Whether an item of ``kind`` asks its owner to act, told whether it is paused and
    whether a chase was recorded (what lists count from stored items without building them)."""
    return not paused and not (kind == DUNNING and attempted)


def chase_met(item: DeadlineItem) -> bool | None:
    """Whether the first chase came by the due time (None: not chased yet)."""
    if not item.attempts:
        return None
    return item.attempts[0].at <= item.due


def ends_order(result: str, words: tuple[str, ...]) -> bool:
    """Whether a dunning result says the buyer gave the order up (不要了, 已取消…)."""
    return any(word in result for word in words)


def may_reassign(member: Member, item: DeadlineItem) -> bool:
    """Whether ``member`` may hand ``item`` to someone else: a lead, or its owner."""
    return member.role >= Role.LEAD or item.owner == member.user_id
