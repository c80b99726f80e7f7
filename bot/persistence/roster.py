"""Roster changes recorded by leads (days off, leave, swaps, account assignments): ``roster.json``.

Changes of recent and future days stay live; older ones move to the monthly archive, where
``/attendance`` still finds the leave of past months.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tinydb import Query

from bot.domain.records import from_doc, to_doc
from bot.domain.roster_rules import Assignment, DayOff, Swap
from bot.persistence.store import Store, expect_shape

_Q = Query()
ARCHIVE = "roster"
expect_shape("roster", {"changes": {"type": str, "day": str}})
_TYPES: dict[type, str] = {DayOff: "off", Swap: "swap", Assignment: "assign"}


def _doc(change: DayOff | Swap | Assignment) -> dict[str, Any]:
    """Return the stored form of a roster change, tagged with its type."""
    return {"type": _TYPES[type(change)], **to_doc(change)}


class RosterRepo:
    """Days off, swaps and account assignments by date."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._changes = store.table("roster", "changes", "day")
        self._swap_requests = store.table("roster", "swap_requests")
        # A day's changes parsed once per change of the table: the roster asks for every
        # member and day of a month in /attendance, and for every item in a reminder burst.
        self._cached_at: tuple[int | None, int] | None = None
        self._days: dict[str, tuple[list[DayOff], list[Swap], list[Assignment]]] = {}

    def _day(self, day: date) -> tuple[list[DayOff], list[Swap], list[Assignment]]:
        version = self._changes.version
        if version != self._cached_at:
            self._days = {}
            self._cached_at = version
        key = day.isoformat()
        if key not in self._days:
            docs = self._changes.search_by("day", key)
            self._days[key] = (
                [from_doc(DayOff, d) for d in docs if d["type"] == "off"],
                [from_doc(Swap, d) for d in docs if d["type"] == "swap"],
                [from_doc(Assignment, d) for d in docs if d["type"] == "assign"],
            )
        return self._days[key]

    def add_off(self, off: DayOff) -> None:
        """Record a day off or leave (replacing one already recorded for that member and day)."""
        ids = [
            d.doc_id
            for d in self._changes.search_by("day", off.day.isoformat())
            if d["type"] == "off" and d["work_no"] == off.work_no
        ]
        if ids:
            self._changes.update(_doc(off), doc_ids=ids)
        else:
            self._changes.insert(_doc(off))

    def add_swap(self, swap: Swap) -> None:
        """Record a swap."""
        self._changes.insert(_doc(swap))

    def add_swap_request(self, swap: Swap) -> int:
        """Record a swap waiting for the partner's consent; return its number."""
        return self._swap_requests.insert(_doc(swap))

    def swap_request(self, request_id: int) -> Swap | None:
        """Return a swap still waiting for consent."""
        doc = self._swap_requests.get(doc_id=request_id)
        return from_doc(Swap, doc) if doc else None

    def drop_swap_request(self, request_id: int) -> None:
        """Forget a swap request once answered."""
        if self._swap_requests.contains(doc_id=request_id):
            self._swap_requests.remove(doc_ids=[request_id])

    def add_assignment(self, item: Assignment) -> None:
        """Record an account assignment."""
        self._changes.insert(_doc(item))

    def offs(self, day: date) -> list[DayOff]:
        """Return the days off recorded for ``day``."""
        return list(self._day(day)[0])

    def swaps(self, day: date) -> list[Swap]:
        """Return the swaps recorded for ``day``."""
        return list(self._day(day)[1])

    def assignments(self, day: date, shift: str) -> list[Assignment]:
        """Return the assignments of one shift occurrence."""
        return [a for a in self._day(day)[2] if a.shift == shift]

    def remove_for(self, work_no: str, day: date) -> list[str]:
        """Drop the day off and swaps of one member on one day; return what was dropped."""
        key = day.isoformat()
        dropped = []
        for doc in self._changes.search_by("day", key):
            if doc["type"] == "off" and doc["work_no"] == work_no:
                dropped.append(f"{doc['kind']}")
            elif doc["type"] == "swap" and work_no in (doc["first"], doc["second"]):
                dropped.append(f"换班（{doc['first']}号 ⇄ {doc['second']}号）")
            else:
                continue
            self._changes.remove(doc_ids=[doc.doc_id])
        return dropped

    def offs_in_month(self, year: int, month: int) -> list[DayOff]:
        """Return the days off of a month (live and archived)."""
        prefix = f"{year:04d}-{month:02d}"
        found: dict[tuple[str, str], DayOff] = {}
        for doc in self.store.archive.read(ARCHIVE, prefix):
            if doc.get("type") == "off":
                found[(doc["work_no"], doc["day"])] = from_doc(DayOff, doc)
        for doc in self._changes.search(_Q.type == "off"):
            if doc["day"].startswith(prefix):
                found[(doc["work_no"], doc["day"])] = from_doc(DayOff, doc)
        return list(found.values())

    def archive_before(self, cutoff: date) -> int:
        """Move changes of days before ``cutoff`` to the monthly archive; return how many."""
        old = self._changes.search(_Q.day < cutoff.isoformat())
        self.store.archive.extend_by_month(ARCHIVE, old, lambda doc: doc["day"][:7])
        self._changes.remove(_Q.day < cutoff.isoformat())
        return len(old)
