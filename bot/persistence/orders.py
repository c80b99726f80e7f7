"""The order book: recent orders in ``orders.json``, every event in the monthly archive.

Storage choice: every remark version and dunning attempt is appended to
``archive/<YYYY-MM>/orders.jsonl`` (the full history, never rewritten). The live TinyDB file
holds only the orders touched in the last ``live_days`` days (their few events each), found
by an index on the order number. An older order is found through the archive's key index
(``orders.keys`` beside each month file): its few lines are read by offset, never a month.
Sales per day (orders first remarked that day, by the 工号 now credited) are kept in
``sales.json`` as events happen, so a monthly report adds up 31 small documents.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
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
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store, expect_shape

log = logging.getLogger(__name__)

ARCHIVE = "orders"
REPAIR_TAIL_BYTES = 64 * 1024  # a crash can only have kept the last appends out of the live file
expect_shape("orders", {"orders": {"order_no": str, "events": list, "updated": str}})
expect_shape("sales", {"days": {"day": str, "counts": dict, "names": dict}})


@dataclass(frozen=True)
class SalesTotal:
    """One seller's orders first remarked in a period, and the name last written for them."""

    count: int
    seller_name: str


class SalesTotals:
    """Orders first remarked per local day, by the 工号 credited now (``sales.json``).

    Every remark moves its order between (first day, seller) buckets when either changes,
    so a month's totals are the sum of its days. Over a data folder from before this file
    existed, the totals are built once from the archive at the first report.
    """

    def __init__(self, store: Store, tz: ZoneInfo) -> None:
        self.store = store
        self.tz = tz
        db = store.db("sales")
        self._days = db.table("days")
        self._days.index("day")
        self._meta = db.table("meta")
        self._meta.index("name")

    @property
    def built(self) -> bool:
        """Whether the totals cover the whole archive."""
        return self._meta.get_by("name", "built") is not None

    def move(self, before: Order | None, after: Order) -> None:
        """Move an order from its old bucket to its new one after an event (when built)."""
        if not self.built:
            return
        old, new = self._bucket(before), self._bucket(after)
        if old == new:
            return
        if old is not None:
            self._add(old[0], old[1], old[2], -1)
        if new is not None:
            self._add(new[0], new[1], new[2], 1)

    def totals(self, start: date, end: date) -> dict[str, SalesTotal]:
        """Return seller 工号 → total for orders first remarked on days in ``[start, end)``."""
        counts: dict[str, int] = defaultdict(int)
        names: dict[str, str] = {}
        day = start
        while day < end:
            doc = self._days.get_by("day", day.isoformat())
            if doc is not None:
                for work_no, n in doc["counts"].items():
                    counts[work_no] += n
                names.update(doc["names"])
            day += timedelta(days=1)
        return {w: SalesTotal(n, names.get(w, "")) for w, n in counts.items() if n > 0}

    def build(self) -> None:
        """Compute every day's totals from the archive in one pass (once, over old data)."""
        first: dict[str, str] = {}
        latest: dict[str, tuple[str, str, str]] = {}
        for month in self.store.archive.months(ARCHIVE):
            for event in self.store.archive.read(ARCHIVE, month):
                if event.get("kind") != "remark":
                    continue
                order_no, at = event["order_no"], event["at"]
                if order_no not in first or at < first[order_no]:
                    first[order_no] = at
                if order_no not in latest or at >= latest[order_no][0]:
                    latest[order_no] = (at, event["seller"], event["seller_name"])
        days: dict[str, dict[str, dict[str, Any]]] = {}
        for order_no, at in first.items():
            _, seller, name = latest[order_no]
            day = self._day(parse_iso(at))
            doc = days.setdefault(day, {"day": day, "counts": {}, "names": {}})
            doc["counts"][seller] = doc["counts"].get(seller, 0) + 1
            doc["names"][seller] = name
        self._days.truncate()
        self._days.insert_multiple(days[d] for d in sorted(days))
        self._meta.insert({"name": "built", "value": True})
        log.info("sales totals built for %d days from the archive", len(days))

    def _bucket(self, order: Order | None) -> tuple[str, str, str] | None:
        if order is None or order.first_remarked is None or order.current is None:
            return None
        current = order.current
        return self._day(order.first_remarked), current.seller, current.seller_name

    def _day(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).date().isoformat()

    def _add(self, day: str, seller: str, name: str, delta: int) -> None:
        doc = self._days.get_by("day", day)
        if doc is None:
            self._days.insert({"day": day, "counts": {seller: delta}, "names": {seller: name}})
            return
        counts = dict(doc["counts"])
        counts[seller] = counts.get(seller, 0) + delta
        if counts[seller] <= 0:
            del counts[seller]
        names = dict(doc["names"])
        if delta > 0:
            names[seller] = name
        self._days.update({"counts": counts, "names": names}, doc_ids=[doc.doc_id])


class OrderRepo:
    """Orders by number, with their remark versions and dunning attempts."""

    def __init__(self, store: Store, tz: ZoneInfo, live_days: int = 30) -> None:
        self.store = store
        self.tz = tz
        self.live_days = live_days
        self._live = store.db("orders").table("orders")
        self._live.index("order_no")
        self._history = store.archive.index_by(ARCHIVE, lambda e: e["order_no"])
        self.sales_totals = SalesTotals(store, tz)
        self._pruned: date | None = None
        self._repair()

    def month_of(self, moment: datetime) -> str:
        """Return the archive month (local ``YYYY-MM``) of a moment."""
        return moment.astimezone(self.tz).strftime("%Y-%m")

    def get(self, order_no: str) -> Order | None:
        """Return an order with its whole history, or None when it was never recorded."""
        doc = self._live.get_by("order_no", order_no)
        if doc is not None:
            return Order.from_events(order_no, doc["events"])
        events = self._archived_events(order_no)
        return Order.from_events(order_no, events) if events else None

    def add(self, event: dict[str, Any], now: datetime) -> Order:
        """Record one event durably (archive first, then the live copy); return the order."""
        order_no = event["order_no"]
        month = self.month_of(parse_iso(event["at"]))
        doc = self._live.get_by("order_no", order_no)
        events = list(doc["events"]) if doc is not None else self._archived_events(order_no)
        before = Order.from_events(order_no, events) if events else None
        self.store.archive.append(ARCHIVE, month, event)
        events.append(event)
        live = {"order_no": order_no, "events": events, "updated": iso(now)}
        # One write each: TinyDB's upsert writes twice (update, then insert) for a new order.
        if doc is None:
            self._live.insert(live)
        else:
            self._live.update(live, doc_ids=[doc.doc_id])
        order = Order.from_events(order_no, events)
        self.sales_totals.move(before, order)
        self._prune(now)
        return order

    def events_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Return the archived events with ``start <= at < end``, oldest first."""
        result = []
        for month in self._months_between(start, end):
            for event in self.store.archive.read(ARCHIVE, month):
                if start <= parse_iso(event["at"]) < end:
                    result.append(event)
        return sorted(result, key=lambda e: e["at"])

    def orders(self, order_nos: Iterable[str]) -> list[Order]:
        """Return several orders with their whole history."""
        found = (self.get(n) for n in sorted(set(order_nos)))
        return [order for order in found if order is not None]

    def sales(self, start: date, end: date) -> dict[str, SalesTotal]:
        """Return seller 工号 → orders first remarked on local days in ``[start, end)``."""
        if not self.sales_totals.built:
            self.sales_totals.build()
        return self.sales_totals.totals(start, end)

    def live_count(self) -> int:
        """Return how many orders the live file holds."""
        return len(self._live)

    def _repair(self) -> None:
        """Bring back events a crash kept out of the live file (the archive is written first)."""
        months = self.store.archive.months(ARCHIVE)[-2:]
        for month in months:
            for event in self.store.archive.tail(ARCHIVE, month, REPAIR_TAIL_BYTES):
                doc = self._live.get_by("order_no", event.get("order_no"))
                if doc is None or event in doc["events"]:
                    continue
                events = sorted([*doc["events"], event], key=lambda e: e["at"])
                log.warning("restoring an event of order %s the live file lacked", doc["order_no"])
                self._live.update({"events": events}, doc_ids=[doc.doc_id])

    def _archived_events(self, order_no: str) -> list[dict[str, Any]]:
        return self._history.find(order_no)

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
        old = [int(i) for i, d in self._live.raw().items() if d["updated"] < cutoff]
        if old:
            self._live.remove(doc_ids=old)


class OrderBook:
    """The orders feature as other features use it (``svc.feature["orders"]``).

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

    def sales_totals(self, start: datetime, end: datetime) -> dict[str, SalesTotal]:
        """Count orders first remarked in ``[start, end)`` (local days) by the 工号 now credited.

        Reads the per-day totals: what ``/sales`` should show (the same counts as ``sales``).
        """
        first = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        if end.astimezone(self.tz).time() != datetime.min.time():
            last += timedelta(days=1)
        return self.repo.sales(first, last)

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
