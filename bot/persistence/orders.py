"""The order book: recent orders in ``orders.json``, every event in the monthly archive.

Storage choice: every remark version and dunning attempt is appended to
``archive/<YYYY-MM>/orders.jsonl`` (the full history, never rewritten). The live TinyDB file
holds only the orders touched in the last ``live_days`` days (their few events each), so the
file TinyDB rewrites on every remark stays small as months pass. An in-memory index, built
from the archive at start, maps each order number to the months holding its events, so an
older order is rebuilt from one or two month files instead of the whole archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tinydb import Query

from bot.config.remarks import RemarksSettings
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.orders import (
    DunningAttempt,
    Order,
    OrderNote,
    RemarkVersion,
    dunning_event,
    note_event,
    remark_event,
    utf8_bytes,
    version_from_event,
)
from bot.domain.remarks import parse_remark, seller_label
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

ARCHIVE = "orders"
_Q = Query()


class OrderRepo:
    """Orders by number, with their remark versions and dunning attempts."""

    def __init__(self, store: Store, tz: ZoneInfo, live_days: int = 30) -> None:
        self.store = store
        self.tz = tz
        self.live_days = live_days
        self._live = store.db("orders").table("orders")
        self._index: dict[str, set[str]] = defaultdict(set)
        self._pruned: date | None = None
        live = {doc["order_no"]: doc for doc in self._live.all()}
        archived: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for month in store.archive.months(ARCHIVE):
            for event in store.archive.read(ARCHIVE, month):
                self._index[event["order_no"]].add(month)
                if event["order_no"] in live:
                    archived[event["order_no"]].append(event)
        self._repair(live, archived)

    def month_of(self, moment: datetime) -> str:
        """Return the archive month (local ``YYYY-MM``) of a moment."""
        return moment.astimezone(self.tz).strftime("%Y-%m")

    def get(self, order_no: str) -> Order | None:
        """Return an order with its whole history, or None when it was never recorded."""
        doc = self._live.get(_Q.order_no == order_no)
        if doc is not None:
            return Order.from_events(order_no, doc["events"])
        events = self._archived_events(order_no)
        return Order.from_events(order_no, events) if events else None

    def add(self, event: dict[str, Any], now: datetime) -> Order:
        """Record one event durably (archive first, then the live copy); return the order."""
        order_no = event["order_no"]
        month = self.month_of(parse_iso(event["at"]))
        doc = self._live.get(_Q.order_no == order_no)
        events = list(doc["events"]) if doc is not None else self._archived_events(order_no)
        self.store.archive.append(ARCHIVE, month, event)
        self._index[order_no].add(month)
        events.append(event)
        live = {"order_no": order_no, "events": events, "updated": iso(now)}
        # One write each: TinyDB's upsert writes twice (update, then insert) for a new order.
        if doc is None:
            self._live.insert(live)
        else:
            self._live.update(live, doc_ids=[doc.doc_id])
        self._prune(now)
        return Order.from_events(order_no, events)

    def events_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Return the archived events with ``start <= at < end``, oldest first."""
        result = []
        for month in self._months_between(start, end):
            for event in self.store.archive.read(ARCHIVE, month):
                if start <= parse_iso(event["at"]) < end:
                    result.append(event)
        return sorted(result, key=lambda e: e["at"])

    def orders(self, order_nos: Iterable[str]) -> list[Order]:
        """Return several orders with their whole history, reading each month file once."""
        wanted = set(order_nos)
        months = set().union(*(self._index.get(n, set()) for n in wanted)) if wanted else set()
        events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for month in sorted(months):
            for event in self.store.archive.read(ARCHIVE, month):
                if event["order_no"] in wanted:
                    events[event["order_no"]].append(event)
        return [Order.from_events(n, events[n]) for n in sorted(wanted) if events.get(n)]

    def live_count(self) -> int:
        """Return how many orders the live file holds."""
        return len(self._live)

    def _repair(self, live: dict[str, Any], archived: dict[str, list[dict[str, Any]]]) -> None:
        """Bring back events a crash kept out of the live file (the archive is written first)."""
        for order_no, doc in live.items():
            events = archived.get(order_no, [])
            if len(events) > len(doc["events"]):
                self._live.update({"events": events}, doc_ids=[doc.doc_id])

    def _archived_events(self, order_no: str) -> list[dict[str, Any]]:
        events = []
        for month in sorted(self._index.get(order_no, ())):
            events.extend(
                e for e in self.store.archive.read(ARCHIVE, month) if e["order_no"] == order_no
            )
        return events

    def _months_between(self, start: datetime, end: datetime) -> list[str]:
        first, last = self.month_of(start), self.month_of(end)
        return [m for m in self.store.archive.months(ARCHIVE) if first <= m <= last]

    def _prune(self, now: datetime) -> None:
        """Once a day, drop orders untouched for ``live_days`` from the live file."""
        today = now.astimezone(self.tz).date()
        if self._pruned == today:
            return
        self._pruned = today
        cutoff = iso(now - timedelta(days=self.live_days))
        self._live.remove(_Q.updated < cutoff)


class OrderBook:
    """The orders feature as other features use it (``svc.feature["orders"]``).

    - ``validate_order_no(text) -> str``: the cleaned number; UserError shows a good example.
    - ``detect_platform(order_no) -> str | None``: platform key from the number's format.
    - ``record_dunning(order_no, result, member, at, platform=None)``: add a 催付 attempt
      (creating the order if needed); it becomes a part of the order's memo.
    - ``record_note(order_no, text, member, at)``: a note (discount approval, gift) that
      becomes a part of the memo.
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

    def record_note(self, order_no: str, text: str, member: Member, at: datetime) -> Order:
        """Put a note on an order's history and memo (a discount approval, a gift)."""
        order_no = self.validate_order_no(order_no)
        existing = self.repo.get(order_no)
        platform = existing.platform if existing else self.detect_platform(order_no)
        note = OrderNote(at=at, text=text, work_no=member.work_no, name=member.name)
        return self.repo.add(note_event(order_no, note, platform), at)

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
