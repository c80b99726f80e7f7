"""The orders service: writing remarks, recording dunning attempts, sales per 工号."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config.remarks import RemarksSettings
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.orders import (
    DunningAttempt,
    Order,
    RemarkVersion,
    dunning_event,
    remark_event,
    utf8_bytes,
    version_from_event,
)
from bot.domain.remarks import parse_remark, seller_label
from bot.persistence.orders import OrderRepo


class OrderService:
    """The orders feature's use cases; other features use it as ``svc.orders``.

    - ``validate_order_no(text) -> str``: the cleaned number; UserError shows a good example.
    - ``detect_platform(order_no) -> str | None``: platform key from the number's format.
    - ``record_dunning(order_no, result, member, at, platform=None)``: add a 催付 attempt
      (creating the order if needed); it becomes a part of the order's memo.
    - ``get(order_no) -> Order | None``: the order with every remark version and attempt.
    """

    def __init__(
        self,
        repo: OrderRepo,
        settings: RemarksSettings,
        tz: ZoneInfo,
        platform_names: dict[str, str],
    ) -> None:
        self.repo = repo
        self.settings = settings
        self.tz = tz
        self.platform_names = platform_names

    def validate_order_no(self, text: str) -> str:
        """Return the cleaned order number; raise UserError with an example of a good one."""
        return self.settings.rules.validate(text)

    def detect_platform(self, order_no: str) -> str | None:
        """Return the platform key the order number's format points to (None if unsure)."""
        return self.settings.rules.detect(order_no)

    def get(self, order_no: str) -> Order | None:
        """Return an order with its history, or None."""
        return self.repo.get(order_no)

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
        self.repo.add(
            dunning_event(order_no, attempt, platform or self.detect_platform(order_no)), at
        )

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
        memo = existing.memo(self.tz, canonical)
        limit = self.settings.limit(platform)
        size = utf8_bytes(memo)
        if size > limit:
            raise UserError(
                f"备注共 {size} 字节，超过{self.platform_names.get(platform or '', '')}"
                f"备注上限 {limit} 字节"
                f"（多 {size - limit} 字节），请精简后重发。"
            )
        current = existing.current
        if (
            current is not None
            and current.canonical == canonical
            and current.colour is remark.colour
            and current.platform == platform
        ):
            return existing, current, False
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

    def remarks_between(self, start: datetime, end: datetime) -> list[tuple[str, RemarkVersion]]:
        """Return (order number, version) written in ``[start, end)``, oldest first."""
        return [
            (e["order_no"], version_from_event(e))
            for e in self.repo.events_between(start, end)
            if e["kind"] == "remark"
        ]

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
