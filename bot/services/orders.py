"""The orders service: writing remarks, recording dunning attempts, sales per 工号."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Platform
from bot.config.remarks import RemarksSettings
from bot.domain.dates import read_day
from bot.domain.errors import UserError
from bot.domain.members import Member, Role, parse_work_no
from bot.domain.numbers import is_blank
from bot.domain.orders import (
    DayRemarks,
    DunningAttempt,
    Order,
    OrderNote,
    RemarkVersion,
    RemarkWritten,
    SellerSales,
    check_memo_size,
    memo_breakdown,
    remark_event,
    version_from_event,
)
from bot.domain.remarks import parse_remark, seller_label
from bot.persistence.members import MemberRepo
from bot.persistence.orders import OrderRepo
from bot.services.roster import Roster


@dataclass
class OrderService:
    """The orders feature's use cases; other features use it as ``svc.orders``.

    - ``validate_order_no(text) -> str``: the cleaned number; UserError shows a good example.
    - ``detect_platform(order_no) -> str | None``: platform key from the number's format.
    - ``record_dunning(order_no, result, member, at, platform=None)``: add a 催付 attempt
      (creating the order if needed); it becomes a part of the order's memo.
    - ``record_note(order_no, text, member, at)``: a note (discount approval, gift) that
      becomes a part of the memo.
    - ``get(order_no) -> Order | None``: the order with every remark version and attempt.
    """

    repo: OrderRepo
    settings: RemarksSettings
    tz: ZoneInfo
    platforms: tuple[Platform, ...]
    members: MemberRepo
    roster: Roster

    @property
    def platform_names(self) -> dict[str, str]:
        """Return platform key → its Chinese name."""
        return {p.key: p.name for p in self.platforms}

    def validate_order_no(self, text: str) -> str:
        """Return the cleaned order number; raise UserError with an example of a good one."""
        return self.settings.rules.validate(text)

    def detect_platform(self, order_no: str) -> str | None:
        """Return the platform key the order number's format points to (None if unsure)."""
        return self.settings.rules.detect(order_no)

    def get(self, order_no: str) -> Order | None:
        """Return an order with its history, or None."""
        return self.repo.get(order_no)

    def find(self, text: str) -> tuple[str, Order | None]:
        """Return the cleaned number typed and its order (None if never recorded).

        Raise UserError for a malformed number.
        """
        order_no = self.validate_order_no(text)
        return order_no, self.repo.get(order_no)

    def record_dunning(
        self,
        order_no: str,
        result: str,
        member: Member,
        at: datetime,
        platform: str | None = None,
    ) -> None:
        """Record a 催付 attempt with its result, the agent's name and the time."""
        order_no = self.validate_order_no(order_no)
        result = " ".join(result.split())
        if not result:
            raise UserError("请写明催付结果，例如：已付款、未接电话、考虑一下。")
        existing = self.repo.get(order_no)
        platform = platform or (existing.platform if existing else None)
        attempt = DunningAttempt(at=at, result=result, work_no=member.work_no, name=member.name)
        if existing is not None:
            # a dunning note lands on the same memo, so it must fit before it is added
            notes = [d.part(self.tz) for d in existing.dunning] + [attempt.part(self.tz)]
            head = existing.current.canonical if existing.current else ""
            check_memo_size(
                "、".join([head, *notes] if head else notes),
                self.settings.limit(platform),
                self.platform_names.get(platform or "", ""),
                memo_breakdown(head, notes),
            )
        self.repo.add(attempt.event(order_no, platform or self.detect_platform(order_no)), at)

    def record_note(self, order_no: str, text: str, member: Member, at: datetime) -> Order:
        """Put a note on an order's history and memo (a discount approval, a gift)."""
        order_no = self.validate_order_no(order_no)
        existing = self.repo.get(order_no)
        platform = existing.platform if existing else self.detect_platform(order_no)
        note = OrderNote(at=at, text=text, work_no=member.work_no, name=member.name)
        return self.repo.add(note.event(order_no, platform), at)

    # ---- /remark -----------------------------------------------------------------------

    def remark(self, author: Member, typed: str, now: datetime) -> RemarkWritten:
        """Write what follows /remark: ``<订单号> [平台] [@工号] <内容>``; raise UserError."""
        first, content = _head(typed)
        order_no = self.validate_order_no(first)
        seller, platform, content = self._options(author, content.strip())
        if is_blank(content):
            raise UserError("备注内容不能为空；标准单（无特殊要求）请写「标准」。")
        existing = self.repo.get(order_no)
        platform = platform or (existing.platform if existing else None)
        platform = platform or self._platform_by_number(order_no, author, now)
        order, version, added = self.write_remark(
            order_no, content, author=author, seller=seller, at=now, platform=platform
        )
        return RemarkWritten(order, version, added, author)

    def seller_for(self, author: Member, text: str) -> Member:
        """Return who an ``@工号`` credits; only a lead records a sale for someone else."""
        try:
            work_no = parse_work_no(text)
        except ValueError as err:
            raise UserError(str(err)) from None
        if work_no == author.work_no:
            return author
        if author.role < Role.LEAD:
            raise UserError("谁销售谁备注：只有组长可以用 @工号 为其他同事记录销售。")
        member = self.members.by_work_no(work_no)
        if member is None:
            raise UserError(f"没有工号为 {work_no} 的成员，请核对工号（/team 可查看）。")
        return member

    def platform_of_word(self, word: str) -> str | None:
        """Return the platform a word names by key or Chinese name (天猫, jd …), or None."""
        lowered = word.lower()
        for platform in self.platforms:
            if lowered in (platform.key.lower(), platform.name.lower()):
                return platform.key
        return None

    def holds(self, member: Member, account: str, now: datetime) -> bool:
        """Whether ``member`` covers a platform account at ``now``."""
        holder = self.roster.holder(account, now)
        return holder is not None and holder.user_id == member.user_id

    def _options(self, author: Member, content: str) -> tuple[Member, str | None, str]:
        """Read the optional platform word and @工号 in front of the content."""
        seller, platform = author, None
        for _ in range(2):
            word, after = _head(content)
            named = self.platform_of_word(word)
            if word.startswith("@") and seller is author:
                seller = self.seller_for(author, word[1:])
            elif platform is None and named is not None:
                platform = named
            else:
                break
            content = after.strip()
        return seller, platform, content

    def _platform_by_number(self, order_no: str, author: Member, now: datetime) -> str | None:
        """Detect the platform from the number; on a tie (天猫/淘宝) ask which account is held."""
        candidates = self.settings.rules.platforms_of(order_no)
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        held = [
            p.key
            for p in self.platforms
            if p.key in candidates and any(self.holds(author, a, now) for a in p.accounts)
        ]
        return held[0] if len(held) == 1 else None

    def write_remark(
        self,
        order_no: str,
        text: str,
        *,
        author: Member,
        seller: Member,
        at: datetime,
        platform: str | None,
    ) -> tuple[Order, RemarkVersion, bool]:
        """Parse and store a new remark version; return the order, the version, and whether
        it was new (an identical remark adds no version). Raise UserError when too long."""
        remark = parse_remark(text, self.settings.couriers, self.settings.precedence)
        canonical = remark.canonical(seller_label(seller.work_no, self.settings.seller_format))
        existing = self.repo.get(order_no) or Order(order_no)
        platform = platform or existing.platform
        check_memo_size(
            existing.memo(self.tz, canonical),
            self.settings.limit(platform),
            self.platform_names.get(platform or "", ""),
            memo_breakdown(canonical, [d.part(self.tz) for d in existing.dunning]),
        )
        if existing.current is not None and existing.repeats(canonical, remark.colour, platform):
            return existing, existing.current, False
        version = RemarkVersion(
            number=len(existing.versions) + 1,
            at=at,
            seller=seller.work_no,
            seller_name=seller.name,
            author=author.work_no,
            author_name=author.name,
            text=text,
            canonical=canonical,
            remark=remark,
            platform=platform,
        )
        order = self.repo.add(remark_event(order_no, version), at)
        return order, version, True

    # ---- /remarks and /sales -----------------------------------------------------------

    def day_remarks(self, words: list[str], today: date) -> DayRemarks:
        """Return the latest version per order of a day (default today), maybe of one seller.

        ``words`` are a day (11-20, 昨天) and/or a 工号, in any order; raise UserError.
        """
        day: date | None = None
        seller: Member | None = None
        for word in words:
            parsed = read_day(word, today, past=True)
            if parsed is not None and day is None:
                day = parsed
            elif parsed is None and seller is None:
                seller = self._member(word)
            else:
                raise UserError("参数太多了。")
        day = day or today
        start = datetime.combine(day, time(0), tzinfo=self.tz)
        latest: dict[str, RemarkVersion] = {}
        for order_no, version in self.remarks_between(start, start + timedelta(days=1)):
            latest.pop(order_no, None)  # the order moves to where its latest version sits
            latest[order_no] = version
        rows = [(n, v) for n, v in latest.items() if seller is None or v.seller == seller.work_no]
        return DayRemarks(day, seller, rows)

    def _member(self, text: str) -> Member:
        try:
            work_no = parse_work_no(text)
        except ValueError:
            raise UserError(
                f"看不懂「{text}」：应为日期（如 11-20、昨天）或工号（如 3）。"
            ) from None
        member = self.members.by_work_no(work_no)
        if member is None:
            raise UserError(f"没有工号为 {work_no} 的成员。")
        return member

    def remarks_between(self, start: datetime, end: datetime) -> list[tuple[str, RemarkVersion]]:
        """Return (order number, version) written in ``[start, end)``, oldest first."""
        return [
            (e["order_no"], version_from_event(e))
            for e in self.repo.events_between(start, end)
            if e["kind"] == "remark"
        ]

    def sales_per_seller(self, first: date, end: date) -> list[SellerSales]:
        """Count orders first remarked on days ``[first, end)`` per 工号, from the day totals."""
        totals = self.repo.sales(first, end)
        rows = []
        for work_no in sorted(totals, key=int):
            member = self.members.by_work_no(work_no)
            # A member who left is still credited, under the name the order recorded.
            name = member.name if member else totals[work_no].seller_name
            rows.append(SellerSales(work_no, name, totals[work_no].count))
        return rows

    def sales(self, start: datetime, end: datetime) -> dict[str, list[Order]]:
        """Group orders first remarked in ``[start, end)`` by the 工号 now credited."""
        candidates = {
            e["order_no"] for e in self.repo.events_between(start, end) if e["kind"] == "remark"
        }
        result: dict[str, list[Order]] = defaultdict(list)
        for order in self.repo.orders(candidates):
            first = order.first_remarked
            if first is not None and start <= first < end and order.seller is not None:
                result[order.seller].append(order)
        return dict(result)


def _head(text: str) -> tuple[str, str]:
    """Split off the first word; the rest keeps its own separators."""
    parts = re.split(r"\s+", text.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""
