"""Handover (交接班) rules: items, who hands over to whom, acknowledgement, closing, rollover.

An item is written during one shift occurrence (``from_occ``) for the next one (``to_occ``).
The receiving shift acknowledges it (已接收) and someone closes it (已处理); an item still
open when its receiving shift ends rolls over (顺延) to the shift after that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import UserError
from bot.domain.members import Member, Role, short_name
from bot.domain.numbers import is_blank
from bot.domain.shifts import Shift, ShiftOccurrence, occurrence_at, occurrences_between
from bot.domain.times import iso

# An explicit prefix names an order number of any platform; a bare run of 12+ digits is one
# too (Tmall/JD order numbers are that long, while mobile numbers have 11 digits).
# A courier's 快递单号/运单号/物流单号 is a tracking number, not the order.
_ORDER = re.compile(
    r"(?:订单号|订单|(?<!快递)(?<!运)(?<!物流)单号)\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9-]{4,39})"
)
_BARE_ORDER = re.compile(r"(?<![\dA-Za-z])(\d{12,25})(?![\dA-Za-z])")
_CUSTOMER = re.compile(r"(?:客户|顾客|买家|旺旺|昵称)\s*[:：]\s*([^\s，,。；;、！!？?]{1,30})")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.、)）](?!\d)|[-*•·])\s*")  # not "12.5元"
_SPACES = re.compile(r"\s+")

EARLY = timedelta(minutes=60)  # an agent arriving this early already belongs to their shift
LATE = timedelta(hours=3)  # writing the handover this long after the shift still counts
LOOKAHEAD = 14  # occurrences searched for a shift with somebody on duty


@dataclass(frozen=True)
class Draft:
    """One line of a ``/handover`` message, parsed."""

    text: str
    order_no: str | None = None
    customer: str | None = None
    urgent: bool = False


def parse_item(line: str, urgent_marks: tuple[str, ...], max_length: int) -> Draft:
    """Parse one handover line: urgency mark, order number and customer; raise UserError."""
    text = line.strip()
    urgent = False
    for mark in sorted(urgent_marks, key=len, reverse=True):
        if mark in text:
            urgent = True
            text = text.replace(mark, " ")
    text = _SPACES.sub(" ", _NUMBERING.sub("", text)).strip(" ：:，,")
    if not text:
        raise UserError("交接事项不能只有标记，请写明要交接的内容。")
    if len(text) > max_length:
        raise UserError(f"每项交接不超过 {max_length} 字（这一项有 {len(text)} 字），请分成几行。")
    order = _ORDER.search(text) or _BARE_ORDER.search(text)
    customer = _CUSTOMER.search(text)
    return Draft(
        text=text,
        order_no=order.group(1) if order else None,
        customer=customer.group(1) if customer else None,
        urgent=urgent,
    )


def parse_items(
    text: str, urgent_marks: tuple[str, ...], max_items: int, max_length: int
) -> list[Draft]:
    """Parse a ``/handover`` message, one item per non-empty line; raise UserError."""
    lines = [line for line in text.splitlines() if not is_blank(line)]
    if not lines:
        raise UserError("交接内容为空。")
    if len(lines) > max_items:
        raise UserError(f"一次最多写 {max_items} 项（收到 {len(lines)} 行），请分几次发送。")
    drafts = []
    for number, line in enumerate(lines, 1):
        try:
            drafts.append(parse_item(line, urgent_marks, max_length))
        except UserError as err:
            prefix = f"第 {number} 行：" if len(lines) > 1 else ""
            raise UserError(f"{prefix}{err}") from None
    return drafts


def is_nothing(text: str) -> bool:
    """Whether the text says "nothing to hand over" (无 / 没有 / 无交接)."""
    return text.strip().strip("。.!！") in ("无", "没有", "无交接", "无事项", "暂无", "none")


# ---- shift occurrences -------------------------------------------------------------------


def occ_key(occ: ShiftOccurrence) -> str:
    """Return the stored key of a shift occurrence, e.g. ``night:2026-11-23``."""
    return f"{occ.shift.key}:{occ.day.isoformat()}"


def occ_from_key(key: str, shifts: tuple[Shift, ...]) -> ShiftOccurrence | None:
    """Return the occurrence a stored key names (None when its shift no longer exists)."""
    shift_key, _, day = key.rpartition(":")
    shift = next((s for s in shifts if s.key == shift_key), None)
    try:
        return ShiftOccurrence(shift, date.fromisoformat(day)) if shift else None
    except ValueError:
        return None


def next_occurrence(
    shifts: tuple[Shift, ...], occ: ShiftOccurrence, tz: ZoneInfo
) -> ShiftOccurrence:
    """Return the shift occurrence that starts next after ``occ``."""
    start = occ.start(tz)
    following = occurrences_between(shifts, start, start + timedelta(days=2), tz)
    index = following.index(occ) if occ in following else -1
    return following[index + 1]


def previous_occurrence(
    shifts: tuple[Shift, ...], occ: ShiftOccurrence, tz: ZoneInfo
) -> ShiftOccurrence:
    """Return the shift occurrence that started last before ``occ``."""
    start = occ.start(tz)
    earlier = occurrences_between(shifts, start - timedelta(days=2), start, tz)
    return earlier[-1]


def last_started(shifts: tuple[Shift, ...], moment: datetime, tz: ZoneInfo) -> ShiftOccurrence:
    """Return the shift occurrence whose login is the latest at or before ``moment``."""
    started = occurrences_between(
        shifts, moment - timedelta(days=2), moment + timedelta(microseconds=1), tz
    )
    return started[-1]


@dataclass(frozen=True)
class MemberShifts:
    """One member's shifts over the team's shift table: ``shift_on(day)`` names the shift the
    member works on a day (None: off)."""

    shifts: tuple[Shift, ...]
    shift_on: Callable[[date], str | None]
    tz: ZoneInfo

    def works(self, occ: ShiftOccurrence) -> bool:
        """Whether the member works the occurrence ``occ``."""
        return self.shift_on(occ.day) == occ.shift.key

    def works_on(self, key: str) -> bool:
        """Whether the member works the occurrence a stored ``key`` names."""
        occ = occ_from_key(key, self.shifts)
        return occ is not None and self.works(occ)

    def own(self, moment: datetime) -> ShiftOccurrence | None:
        """Return the occurrence of the member's own shift around ``moment`` (None: off duty).

        An agent arriving up to an hour early, or writing the handover up to three hours
        after leaving, still belongs to that shift; when two fit, the one that started last
        wins.
        """
        return occurrence_at(
            self.shifts, moment, self.tz, early=EARLY, late=LATE, shift_on=self.shift_on
        )

    def running_or_next(self, now: datetime) -> ShiftOccurrence | None:
        """Return the member's running shift, else their next one (None: no regular shift)."""
        occ = last_started(self.shifts, now, self.tz)
        if self.works(occ) and occ.end(self.tz) > now:
            return occ
        for _ in range(LOOKAHEAD * 2):
            occ = next_occurrence(self.shifts, occ, self.tz)
            if self.works(occ):
                return occ
        return None


def receiving_occurrence(
    shifts: tuple[Shift, ...],
    occ: ShiftOccurrence,
    now: datetime,
    tz: ZoneInfo,
    staffed: Callable[[ShiftOccurrence], bool],
) -> ShiftOccurrence:
    """Return the next shift after ``occ`` that is ``staffed`` and has not ended yet."""
    first = nxt = next_occurrence(shifts, occ, tz)
    for _ in range(LOOKAHEAD):
        if nxt.end(tz) > now and staffed(nxt):
            return nxt
        nxt = next_occurrence(shifts, nxt, tz)
    while first.end(tz) <= now:  # nobody on duty anywhere: still never a shift in the past
        first = next_occurrence(shifts, first, tz)
    return first


def reminder_at(occ: ShiftOccurrence, before: timedelta, tz: ZoneInfo) -> datetime:
    """Return when the agents of ``occ`` are reminded to write the handover."""
    return occ.end(tz) - before


def ack_due(created: datetime, login: datetime, after: timedelta) -> datetime:
    """Return when an item must be acknowledged: ``after`` past the later of write and login."""
    return max(created, login) + after


# ---- items -------------------------------------------------------------------------------


@dataclass
class Item:
    """One handover item: what must be taken over, by which shift, and what became of it."""

    id: int
    text: str
    author_id: int
    author: str
    from_occ: str
    to_occ: str
    created_at: datetime
    ack_due: datetime
    order_no: str | None = None
    customer: str | None = None
    urgent: bool = False
    urgent_due: datetime | None = None
    acked_by_id: int | None = None
    acked_by: str | None = None
    acked_at: datetime | None = None
    done_by_id: int | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    done_note: str = ""
    assignee_id: int | None = None
    assignee: str | None = None
    rollovers: int = 0
    posted_for: str | None = None
    # Set before a post is handed to Telegram, cleared when its message is recorded: found
    # set at start, the post may or may not have been shown, so it goes again marked.
    posting_for: str | None = None
    posting_at: datetime | None = None
    alerted_for: str | None = None
    escalated: bool = False
    cards: list[list[int]] = field(default_factory=list)  # [chat_id, message_id] posted
    # The live card's message: its heading ("" for an item's own card) and the items it lists.
    card_header: str = ""
    card_ids: list[int] = field(default_factory=list)
    log: list[dict[str, str]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """Whether the item was closed."""
        return self.done_at is not None

    @property
    def acked(self) -> bool:
        """Whether the current receiving shift acknowledged the item."""
        return self.acked_at is not None

    def record(self, event: str, by: str, at: datetime, note: str = "") -> None:
        """Append one event to the item's history."""
        self.log.append({"event": event, "by": by, "at": iso(at), "note": note})

    def acknowledge(self, by_id: int, by: str, now: datetime) -> bool:
        """Mark the item taken over; return False when it already was (pressing twice)."""
        if self.done:
            raise UserError(f"#{self.id} 已由 {self.done_by} 处理完毕，无需接收。")
        if self.acked:
            return False
        self.acked_by_id, self.acked_by, self.acked_at = by_id, by, now
        self.record("ack", by, now)
        return True

    def close(self, by_id: int, by: str, now: datetime, note: str = "") -> None:
        """Mark the item done (taking it over on the way); raise UserError if it already was."""
        if self.done:
            raise UserError(f"#{self.id} 已由 {self.done_by} 处理过了，无需重复操作。")
        if not self.acked:
            self.acked_by_id, self.acked_by, self.acked_at = by_id, by, now
        self.done_by_id, self.done_by, self.done_at, self.done_note = by_id, by, now, note
        self.record("done", by, now, note)

    def roll_over(self, to_occ: str, login: datetime, now: datetime, ack_after: timedelta) -> None:
        """Hand the open item on to the next shift, which must acknowledge it again."""
        self.to_occ = to_occ
        self.rollovers += 1
        self.acked_by_id = self.acked_by = self.acked_at = None
        self.ack_due = ack_due(now, login, ack_after)
        self.alerted_for = None
        self.record("rollover", "系统", now, to_occ)

    def reassign(
        self,
        member: Member,
        to_occ: str,
        login: datetime,
        now: datetime,
        ack_after: timedelta,
        by: str,
    ) -> None:
        """Give the item to one member (on ``to_occ``), who must acknowledge it."""
        if self.done:
            raise UserError(f"#{self.id} 已由 {self.done_by} 处理完毕，不能再转交。")
        self.assignee_id, self.assignee = member.user_id, short_name(member)
        self.acked_by_id = self.acked_by = self.acked_at = None
        self.to_occ = to_occ
        self.alerted_for = None  # a new assignee who does not take it over is reported again
        self.ack_due = ack_due(now, login, ack_after)
        self.record("reassign", by, now, short_name(member))

    def may_acknowledge(self, member: Member, on_receiving_shift: bool) -> bool:
        """Whether ``member`` may take this item over: its assignee, else the receiving shift.

        Leads and admins may always do it for their team.
        """
        if member.role >= Role.LEAD:
            return True
        if self.assignee_id is not None:
            return member.user_id == self.assignee_id
        return on_receiving_shift

    def needs_alert(self, occ: str, now: datetime) -> bool:
        """Whether the lead must hear about this item for receiving shift ``occ`` now.

        Only items nobody has taken over are reported, once their time is up: a rolled-over
        item the new shift acknowledged is in hand, and the lead sees its 顺延 on the card.
        """
        if self.done or self.to_occ != occ or self.alerted_for == occ or self.ack_due > now:
            return False
        return not self.acked
