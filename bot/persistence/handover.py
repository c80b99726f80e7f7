"""Handover items: open ones in ``handover.json``, closed ones in the monthly archive.

The live file holds only open items and who wrote what in recent shifts, so it stays small;
an item moves to ``archive/<YYYY-MM>/handover.jsonl`` (the month of the day it was written)
the moment it is closed.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any

from tinydb import Query

from bot.domain.handover import Item
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store, expect_shape

_Q = Query()
ARCHIVE = "handover"
expect_shape(
    "handover",
    {
        "items": {"id": int, "from_occ": str, "to_occ": str, "text": str},
        "written": {"occ": str, "member_id": int, "nothing": bool, "at": str},
        "meta": {"name": str},
    },
)
_MOMENTS = ("created_at", "ack_due", "urgent_due", "acked_at", "done_at", "posting_at")
_FIELDS = {f.name for f in fields(Item)}


def to_doc(item: Item) -> dict[str, Any]:
    """Return the stored form of an item (moments as UTC ISO strings)."""
    doc = asdict(item)
    for name in _MOMENTS:
        if doc[name] is not None:
            doc[name] = iso(doc[name])
    return doc


def from_doc(doc: dict[str, Any]) -> Item:
    """Read an item back; keys a newer version added are ignored."""
    data = {k: v for k, v in doc.items() if k in _FIELDS}
    for name in _MOMENTS:
        if data.get(name) is not None:
            data[name] = parse_iso(data[name])
    data["log"] = [dict(e) for e in data.get("log", [])]
    data["cards"] = [list(c) for c in data.get("cards", [])]
    data["card_ids"] = list(data.get("card_ids", []))
    return Item(**data)


def _month_of(occ: str) -> str:
    """Return ``YYYY-MM`` of the day an occurrence key names."""
    return occ.rpartition(":")[2][:7]


class HandoverRepo:
    """Open items, closed items in the archive, and who wrote a handover in which shift."""

    def __init__(self, store: Store) -> None:
        self._store = store
        db = store.db("handover")
        self._items = db.table("items")
        self._items.index("id")
        self._items.index("to_occ")
        self._items.index("posting_for")
        self._written = db.table("written")
        self._written.index("occ")
        self._written.index("who", lambda d: (d.get("occ"), d.get("member_id")))
        self._meta = db.table("meta")
        self._closed = store.archive.index_by(ARCHIVE, lambda d: str(d["id"]))

    def next_id(self) -> int:
        """Return a new item number (never reused, also after items are archived)."""
        doc = self._meta.get(_Q.name == "last_id")
        number = (doc["value"] if doc else 0) + 1
        self._meta.upsert({"name": "last_id", "value": number}, _Q.name == "last_id")
        return number

    def add(self, item: Item) -> None:
        """Store a new open item."""
        self._items.insert(to_doc(item))

    def save(self, item: Item) -> None:
        """Store an item's new state; a closed item moves to the archive."""
        ids = self._items.ids_by("id", item.id)
        if item.done:
            self._store.archive.append(ARCHIVE, _month_of(item.from_occ), to_doc(item))
            if ids:
                self._items.remove(doc_ids=ids)
        elif ids:
            self._items.update(to_doc(item), doc_ids=ids)
        else:
            self._items.insert(to_doc(item))

    def mark_posting(self, numbers: list[int], occ: str, at: datetime) -> None:
        """Record, in one write, that a post of these items for ``occ`` is being sent."""
        self._update(numbers, {"posting_for": occ, "posting_at": iso(at)})

    def mark_posted(
        self, numbers: list[int], occ: str, message: list[int], header: str, listed: list[int]
    ) -> None:
        """Record, in one write, the message that shows these items for ``occ``.

        ``message`` is [chat_id, message_id]; ``header`` and ``listed`` are its heading and
        every item it shows, so the whole message can be shown again when one of them changes.
        """
        fields = {
            "cards": [message],
            "posted_for": occ,
            "posting_for": None,
            "posting_at": None,
            "card_header": header,
            "card_ids": listed,
        }
        self._update(numbers, fields)

    def _update(self, numbers: list[int], fields: dict[str, Any]) -> None:
        """Set the same fields on several items in one write (each gets its own copy)."""
        ids = sorted({i for n in numbers for i in self._items.ids_by("id", n)})
        if ids:
            self._items.update(lambda doc: doc.update(deepcopy(fields)), doc_ids=ids)

    def posting(self, occ: str) -> list[Item]:
        """Return the open items marked as being posted for ``occ``, by number."""
        return sorted(
            (from_doc(d) for d in self._items.search_by("posting_for", occ)), key=lambda i: i.id
        )

    def posting_occs(self) -> list[str]:
        """Return the shifts some open item is marked as being posted for."""
        return sorted(str(occ) for occ in self._items.values_of("posting_for") if occ)

    def get(self, number: int) -> Item | None:
        """Return an open item by number."""
        doc = self._items.get_by("id", number)
        return from_doc(doc) if doc else None

    def find_closed(self, number: int, months: int = 3) -> Item | None:
        """Return a closed item by number from the last few archived months, newest first."""
        recent = set(self._store.archive.months(ARCHIVE)[-months:])
        docs = [
            d
            for d in self._closed.find(str(number))
            if _month_of(str(d.get("from_occ", ""))) in recent
        ]
        return from_doc(docs[-1]) if docs else None

    def open_items(self) -> list[Item]:
        """Return every open item, oldest first."""
        return sorted((from_doc(d) for d in self._items.all()), key=lambda i: i.id)

    def for_target(self, occ: str) -> list[Item]:
        """Return the open items addressed to one shift occurrence."""
        return sorted(
            (from_doc(d) for d in self._items.search_by("to_occ", occ)), key=lambda i: i.id
        )

    def written_on(self, day: date) -> list[Item]:
        """Return every item written in a shift that started on ``day`` (open and closed)."""
        suffix = f":{day.isoformat()}"
        found = {i.id: i for i in self.open_items() if i.from_occ.endswith(suffix)}
        for doc in self._store.archive.read(ARCHIVE, day.isoformat()[:7]):
            if str(doc.get("from_occ", "")).endswith(suffix):
                found[doc["id"]] = from_doc(doc)
        return [found[k] for k in sorted(found)]

    def mark_written(self, occ: str, member_id: int, nothing: bool, at: datetime) -> None:
        """Record that a member handed over (or said there is nothing) in a shift."""
        doc = {"occ": occ, "member_id": member_id, "nothing": nothing, "at": iso(at)}
        ids = self._written.ids_by("who", (occ, member_id))
        if ids:
            self._written.update(doc, doc_ids=ids)
        else:
            self._written.insert(doc)

    def written(self, occ: str) -> dict[int, bool]:
        """Return who wrote a handover in a shift: member id → whether it said "nothing"."""
        return {d["member_id"]: d["nothing"] for d in self._written.search_by("occ", occ)}

    def nothing_on(self, day: date) -> list[tuple[str, int, datetime]]:
        """Return (occurrence, member id, when) of every "nothing to hand over" on ``day``."""
        suffix = f":{day.isoformat()}"
        return [
            (d["occ"], d["member_id"], parse_iso(d["at"]))
            for d in self._written.all()
            if d["nothing"] and d["occ"].endswith(suffix)
        ]

    def archive_written(self, before: date) -> int:
        """Move authorship records of shifts before ``before`` to the archive."""
        old = [d for d in self._written.all() if d["occ"].rpartition(":")[2] < before.isoformat()]
        by_month: dict[str, list[dict[str, Any]]] = {}
        for doc in old:
            by_month.setdefault(_month_of(doc["occ"]), []).append(dict(doc))
        for month, records in by_month.items():
            self._store.archive.extend("handover_written", month, records)
        self._written.remove(doc_ids=[d.doc_id for d in old])
        return len(old)

    def nothing_archived(self, day: date) -> list[tuple[str, int, datetime]]:
        """Return archived "nothing to hand over" records of ``day``."""
        suffix = f":{day.isoformat()}"
        return [
            (d["occ"], d["member_id"], parse_iso(d["at"]))
            for d in self._store.archive.read("handover_written", day.isoformat()[:7])
            if d.get("nothing") and str(d.get("occ", "")).endswith(suffix)
        ]
