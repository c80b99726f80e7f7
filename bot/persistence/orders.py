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

from bot.domain.orders import (
    Order,
)
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
