"""Roster changes recorded by leads (days off, leave, swaps, account assignments): ``roster.json``.

Changes of recent and future days stay live; older ones move to the monthly archive, where
``/attendance`` still finds the leave of past months.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tinydb import Query

from bot.domain.roster_rules import Assignment, DayOff, Swap
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()
ARCHIVE = "roster"


def _off_doc(off: DayOff) -> dict[str, Any]:
    return {
        "type": "off",
        "work_no": off.work_no,
        "day": off.day.isoformat(),
        "kind": off.kind,
        "by": off.by,
        "at": iso(off.at),
    }


def _off(doc: dict[str, Any]) -> DayOff:
    return DayOff(
        doc["work_no"],
        date.fromisoformat(doc["day"]),
        doc["kind"],
        doc["by"],
        parse_iso(doc["at"]),
    )


def _swap_doc(swap: Swap) -> dict[str, Any]:
    return {
        "type": "swap",
        "first": swap.first,
        "second": swap.second,
        "day": swap.day.isoformat(),
        "by": swap.by,
        "at": iso(swap.at),
    }


def _swap(doc: dict[str, Any]) -> Swap:
    return Swap(
        doc["first"],
        doc["second"],
        date.fromisoformat(doc["day"]),
        doc["by"],
        parse_iso(doc["at"]),
    )


def _assignment_doc(item: Assignment) -> dict[str, Any]:
    return {
        "type": "assign",
        "account": item.account,
        "work_no": item.work_no,
        "day": item.day.isoformat(),
        "shift": item.shift,
        "source": item.source,
        "by": item.by,
        "at": iso(item.at),
    }


def _assignment(doc: dict[str, Any]) -> Assignment:
    return Assignment(
        doc["account"],
        doc["work_no"],
        date.fromisoformat(doc["day"]),
        doc["shift"],
        doc["source"],
        doc["by"],
        parse_iso(doc["at"]),
    )


class RosterRepo:
    """Days off, swaps and account assignments by date."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._changes = store.db("roster").table("changes")
        self._swap_requests = store.db("roster").table("swap_requests")

    def add_off(self, off: DayOff) -> None:
        """Record a day off or leave (replacing one already recorded for that member and day)."""
        self._changes.upsert(
            _off_doc(off),
            (_Q.type == "off") & (_Q.work_no == off.work_no) & (_Q.day == off.day.isoformat()),
        )

    def add_swap(self, swap: Swap) -> None:
        """Record a swap."""
        self._changes.insert(_swap_doc(swap))

    def add_swap_request(self, swap: Swap) -> int:
        """Record a swap waiting for the partner's consent; return its number."""
        return self._swap_requests.insert(_swap_doc(swap))

    def swap_request(self, request_id: int) -> Swap | None:
        """Return a swap still waiting for consent."""
        doc = self._swap_requests.get(doc_id=request_id)
        return _swap(doc) if doc else None

    def drop_swap_request(self, request_id: int) -> None:
        """Forget a swap request once answered."""
        if self._swap_requests.contains(doc_id=request_id):
            self._swap_requests.remove(doc_ids=[request_id])

    def add_assignment(self, item: Assignment) -> None:
        """Record an account assignment."""
        self._changes.insert(_assignment_doc(item))

    def offs(self, day: date) -> list[DayOff]:
        """Return the days off recorded for ``day``."""
        docs = self._changes.search((_Q.type == "off") & (_Q.day == day.isoformat()))
        return [_off(d) for d in docs]

    def swaps(self, day: date) -> list[Swap]:
        """Return the swaps recorded for ``day``."""
        docs = self._changes.search((_Q.type == "swap") & (_Q.day == day.isoformat()))
        return [_swap(d) for d in docs]

    def assignments(self, day: date, shift: str) -> list[Assignment]:
        """Return the assignments of one shift occurrence."""
        docs = self._changes.search(
            (_Q.type == "assign") & (_Q.day == day.isoformat()) & (_Q.shift == shift)
        )
        return [_assignment(d) for d in docs]

    def remove_for(self, work_no: str, day: date) -> list[str]:
        """Drop the day off and swaps of one member on one day; return what was dropped."""
        key = day.isoformat()
        dropped = []
        for doc in self._changes.search(_Q.day == key):
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
                found[(doc["work_no"], doc["day"])] = _off(doc)
        for doc in self._changes.search(_Q.type == "off"):
            if doc["day"].startswith(prefix):
                found[(doc["work_no"], doc["day"])] = _off(doc)
        return list(found.values())

    def archive_before(self, cutoff: date) -> int:
        """Move changes of days before ``cutoff`` to the monthly archive; return how many."""
        old = self._changes.search(_Q.day < cutoff.isoformat())
        by_month: dict[str, list[dict[str, Any]]] = {}
        for doc in old:
            by_month.setdefault(doc["day"][:7], []).append(dict(doc))
        for month, docs in by_month.items():
            self.store.archive.extend(ARCHIVE, month, docs)
        self._changes.remove(_Q.day < cutoff.isoformat())
        return len(old)
