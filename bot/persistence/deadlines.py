"""Open deadline items in small shard files; closed ones go to the monthly archive.

TinyDB rewrites a whole file on every write, and serialising 5,000 items takes tens of
milliseconds, so open items are spread over ``deadlines-00.json`` … by number: a command
rewrites one shard of a few hundred items. Closed items leave for the archive, so the
live files hold only what is open. An item's number is its TinyDB document id, taken from
a counter that never goes back, so a number means one item forever.

Queries filter the stored documents and build a :class:`DeadlineItem` only for those that
match, so a list over thousands of items stays fast. The lists people read (/mine, /due,
/overdue) go further: each shard indexes its items by owner and, in order, by due time, so
they touch only the items they name and build only the ones they show.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from typing import Any, NamedTuple

from tinydb.table import Document, Table

from bot.domain.deadline_item import (
    DUNNING,
    FOLLOWUP,
    Attempt,
    Closing,
    DeadlineItem,
    Visit,
    asks_action,
)
from bot.domain.times import iso, parse_iso
from bot.persistence.storage import IndexedTable
from bot.persistence.store import Store, expect_shape

ARCHIVE = "deadlines"
SHARDS = 16
for _n in range(SHARDS):
    expect_shape(f"deadlines-{_n:02d}", {"items": {"id": int, "type": str, "ref": str}})
expect_shape("deadlines", {"meta": {"name": str}})


def _ref_key(doc: Any) -> tuple[str, str]:
    return doc.get("type"), str(doc.get("ref", "")).casefold()


Doc = dict[str, Any]


class Page(NamedTuple):
    """The first items of a list, by number in the list's order, and how many it holds."""

    total: int
    ids: list[int]


def to_doc(item: DeadlineItem) -> Doc:
    """Return the stored form of an item: the keys of its kind, moments as UTC ISO strings."""
    doc: Doc = {
        "id": item.id,
        "type": item.kind,
        "rule": item.rule,
        "ref": item.ref,
        "platform": item.platform,
        "note": item.note,
        "owner": item.owner,
        "creator": item.creator,
        "created": iso(item.created),
        "received": iso(item.received),
        "due": iso(item.due),
        "opens": _iso(item.opens),
        "rung": item.rung,
        "next_at": _iso(item.next_at),
    }
    if item.kind == DUNNING:
        doc["attempts"] = [
            {"at": iso(a.at), "by": a.by, "result": a.result} for a in item.attempts
        ]
    if item.kind == FOLLOWUP:
        doc |= {
            "cls": item.cls,
            "concern": item.concern,
            "cycle_start": item.cycle_start.isoformat() if item.cycle_start else None,
            "visit": item.visit,
            "visits": [
                {"n": v.n, "at": iso(v.at), "by": v.by, "note": v.note} for v in item.visits
            ],
            "paused": item.paused,
            "review": item.review,
        }
        if item.replies:  # written from the first reply on, as it always was
            doc["replies"] = item.replies
    if item.closing is not None:
        closing = item.closing
        doc |= {"status": closing.status, "closed_at": iso(closing.at), "closed_by": closing.by}
        if closing.note:
            doc["close_note"] = closing.note
    return doc


def from_doc(doc: Doc) -> DeadlineItem:
    """Read an item back; keys of other kinds or of later versions are ignored."""
    # Lists read thousands of items: only the keys of the item's kind are looked at.
    get = doc.get
    item = DeadlineItem(
        kind=doc["type"],
        ref=doc["ref"],
        rule=doc["rule"],
        owner=doc["owner"],
        creator=doc["creator"],
        created=parse_iso(doc["created"]),
        received=parse_iso(doc["received"]),
        due=parse_iso(doc["due"]),
        platform=get("platform"),
        note=get("note") or "",
        opens=_moment(get("opens")),
        rung=get("rung", 0),
        next_at=_moment(get("next_at")),
        id=doc["id"],
    )
    if item.kind == DUNNING:
        item.attempts = [
            Attempt(parse_iso(a["at"]), a["by"], a["result"]) for a in get("attempts") or ()
        ]
    elif item.kind == FOLLOWUP:
        cycle_start = get("cycle_start")
        item.cls = get("cls") or "A"
        item.concern = get("concern") or ""
        item.cycle_start = date.fromisoformat(cycle_start) if cycle_start else None
        item.visit = get("visit", 1)
        item.visits = [
            Visit(v["n"], parse_iso(v["at"]), v["by"], v.get("note") or "")
            for v in get("visits") or ()
        ]
        item.paused = bool(get("paused"))
        item.review = get("review")
        item.replies = get("replies", 0)
    if "status" in doc:
        item.closing = Closing(
            doc["status"], parse_iso(doc["closed_at"]), get("closed_by"), get("close_note") or ""
        )
    return item


def _iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def _moment(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


class ItemRepo:
    """Open dunning items, follow-ups, tickets and shipping checks."""

    def __init__(self, store: Store, shards: int = SHARDS) -> None:
        self._store = store
        self._shards: list[IndexedTable] = []
        for n in range(shards):
            table = store.db(f"deadlines-{n:02d}").table("items")
            table.index("ref", _ref_key)
            table.index("refcf", lambda d: str(d.get("ref", "")).casefold())
            # Stored moments are UTC ISO strings: their order is the order of the times.
            table.index("due", ordered=True)
            table.index("next_at", lambda d: d.get("next_at") or None, ordered=True)
            table.index("owner_due", _owner_due, ordered=True)
            table.index("waiting", _waiting, ordered=True)
            table.index("waiting_owner", _waiting_owner, ordered=True)
            self._shards.append(table)
        self._meta = store.db("deadlines").table("meta")
        self._meta.index("name")
        self._highest: int | None = None  # the highest number ever given, found once

    def _shard(self, item_id: int) -> IndexedTable:
        return self._shards[self.shard_of(item_id)]

    def shard_of(self, item_id: int) -> int:
        """Return the number of the shard (one file, one write) that holds an item."""
        return item_id % len(self._shards)

    def add(self, item: DeadlineItem) -> None:
        """Store a new item under the next free number, which it takes as its ``id``."""
        if self._highest is None:  # found once; then counted up in memory
            open_ids = (int(k) for shard in self._shards for k in _raw(shard))
            self._highest = max(max(open_ids, default=0), self._meta_value("last_id", 0))
        item.id = self._highest + 1
        self._shard(item.id).insert(Document(to_doc(item), doc_id=item.id))
        self._highest = item.id

    def get(self, item_id: int) -> DeadlineItem | None:
        """Return an open item by number."""
        doc = _raw(self._shard(item_id)).get(str(item_id))
        return from_doc(doc) if doc is not None else None

    def save(self, item: DeadlineItem) -> None:
        """Store the new state of an open item."""
        self._shard(item.id).update(to_doc(item), doc_ids=[item.id])

    def save_many(self, items: list[DeadlineItem]) -> None:
        """Store the new state of many open items, writing each shard once."""
        by_shard: dict[int, list[DeadlineItem]] = {}
        for item in items:
            by_shard.setdefault(self.shard_of(item.id), []).append(item)
        for index, group in by_shard.items():
            docs = {i.id: to_doc(i) for i in group}

            def change(doc: dict[str, Any], docs: dict[int, Doc] = docs) -> None:
                doc.update(docs[doc["id"]])

            self._shards[index].update(change, doc_ids=list(docs))

    def all(self) -> list[DeadlineItem]:
        """Return every open item."""
        return [from_doc(d) for d in self._docs()]

    def find(self, kind: str, ref: str) -> DeadlineItem | None:
        """Return the open item of ``kind`` whose reference (order, customer, ticket) matches."""
        found = [
            d for shard in self._shards for d in shard.search_by("ref", (kind, ref.casefold()))
        ]
        return from_doc(min(found, key=lambda d: d.doc_id)) if found else None

    def find_ref(self, ref: str) -> list[DeadlineItem]:
        """Return open items of any kind whose reference is ``ref``."""
        found = [d for shard in self._shards for d in shard.search_by("refcf", ref.casefold())]
        return [from_doc(d) for d in sorted(found, key=lambda d: d.doc_id)]

    def owned(self, user_id: int, first: int) -> Page:
        """Return a member's open items, due soonest first (then by number)."""
        return self._page("owner_due", (user_id,), (user_id + 1,), first)

    def due_between(self, start: datetime, end: datetime, first: int) -> Page:
        """Return the open items due from ``start`` until before ``end``, soonest first."""
        return self._page("due", iso(start), iso(end), first)

    def late(self, now: datetime, owner: int, first: int) -> Page:
        """Return a member's open items that ask them to act and were due before ``now``,
        soonest first."""
        limit = iso(now)  # overdue means due < now, as bot.domain.deadlines.is_overdue says
        return self._page("waiting_owner", (owner,), (owner, limit), first)

    def late_owners(self, now: datetime) -> dict[int, tuple[int, str]]:
        """Return, for each owner of open items that ask them to act and were due before
        ``now``, how many there are and the earliest one's due time (as stored)."""
        limit = iso(now)
        found: dict[int, tuple[int, str]] = {}
        for shard in self._shards:
            # (owner, due) order: one owner's items are together, soonest first, so each
            # owner costs two bisections instead of a look at each of their items
            order = shard.range_by("waiting_owner")
            start = 0
            while start < len(order):
                (who, first), _ = order[start]
                late = bisect_left(order, ((who, limit),), start) - start
                if late:
                    count, earliest = found.get(who, (0, first))
                    found[who] = (count + late, min(earliest, first))
                start = bisect_left(order, ((who + 1,),), start)
        return found

    def _page(self, index: str, low: Any, high: Any, first: int) -> Page:
        """Return the numbers of the ``first`` items in [low, high) of an ordered index over
        every shard, and how many there are: only the ones shown are merged in order."""
        ranges = [shard.range_by(index, low, high) for shard in self._shards]
        shown = islice(heapq.merge(*ranges), first)
        return Page(sum(map(len, ranges)), [i for _, i in shown])

    def load(self, ids: Iterable[int]) -> list[DeadlineItem]:
        """Return the open items of these numbers, in that order (closed ones left out)."""
        found = (self.get(i) for i in ids)
        return [item for item in found if item is not None]

    def to_chase(self, owners: set[int]) -> dict[int, int]:
        """Return how many open dunning items not yet chased each of ``owners`` holds."""
        counts = dict.fromkeys(owners, 0)
        for doc in self._docs():  # counted on the stored documents: no item is built
            if doc["type"] == DUNNING and doc["owner"] in counts and not doc.get("attempts"):
                counts[doc["owner"]] += 1
        return counts

    def reached(self, moment: datetime) -> list[DeadlineItem]:
        """Return the open items whose next rung is due by ``moment``."""
        # up to and including ``moment``: the first string after its ISO form is it + "\0"
        limit = iso(moment) + "\0"
        return self.load(i for s in self._shards for _, i in s.range_by("next_at", None, limit))

    def soonest_rung(self) -> datetime | None:
        """Return the earliest moment an open item's next rung is due (None: none is)."""
        firsts = (s.range_by("next_at")[:1] for s in self._shards)
        soonest = min((at for first in firsts for at, _ in first), default=None)
        return parse_iso(soonest) if soonest else None

    def close(self, item: DeadlineItem) -> None:
        """Move an item whose ``closing`` is set to the archive, with its last state."""
        if item.closing is None:
            raise ValueError(f"item {item.id} has no closing")
        stored = _raw(self._shard(item.id)).get(str(item.id))
        if stored is None:
            raise KeyError(item.id)
        record = {**stored, **to_doc(item)}
        self._store.archive.append(ARCHIVE, record["closed_at"][:7], record)
        if item.id > self._meta_value("last_id", 0):
            ids = self._meta.ids_by("name", "last_id")
            if ids:
                self._meta.update({"value": item.id}, doc_ids=ids)
            else:
                self._meta.insert({"name": "last_id", "value": item.id})
        self._shard(item.id).remove(doc_ids=[item.id])

    def closed(self, month: str) -> Iterator[DeadlineItem]:
        """Yield the items closed in a month (``YYYY-MM``, UTC)."""
        return (from_doc(d) for d in self._store.archive.read(ARCHIVE, month))

    def _docs(self) -> Iterator[Doc]:
        """Yield every stored open item without copying (read only)."""
        for shard in self._shards:
            yield from _raw(shard).values()

    def _meta_value(self, name: str, default: Any) -> Any:
        doc = self._meta.get_by("name", name)
        return doc["value"] if doc else default


def _owner_due(doc: Doc) -> tuple[int, str]:
    """Order the items by owner, then due time."""
    return doc["owner"], doc["due"]


def _waiting(doc: Doc) -> tuple[str, int] | None:
    """Order the items that ask their owner to act by due time (the others: not at all)."""
    return (doc["due"], doc["owner"]) if _waits(doc) else None


def _waiting_owner(doc: Doc) -> tuple[int, str] | None:
    """Order the items that ask their owner to act by owner, then due time."""
    return (doc["owner"], doc["due"]) if _waits(doc) else None


def _waits(doc: Doc) -> bool:
    """Whether a stored item asks its owner to act (the lists count these as overdue)."""
    return asks_action(doc["type"], bool(doc.get("paused")), bool(doc.get("attempts")))


def _raw(table: Table) -> dict[str, Doc]:
    # TinyDB's own reads build a Document per item on every call; the storage keeps the
    # parsed file in memory, so reading it directly keeps /mine fast with 5,000 items.
    data = table.storage.read() or {}
    return data.get(table.name, {})
