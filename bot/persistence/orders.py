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

from bot.domain.orders import (
    Order,
)
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
        self._days = store.table("sales", "days", "day")
        self._meta = store.table("sales", "meta", "name")

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
        self._live = store.table("orders", "orders", "order_no")
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
