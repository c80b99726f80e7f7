"""Open deadline items in ``deadlines.json``; closed ones go to the monthly archive.

The live file holds only open items, so a command rewrites a file of thousands of items,
never of the hundreds of thousands closed over the years. An item's number is its TinyDB
document id, taken from a counter that never goes back, so a number means one item forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tinydb import Query
from tinydb.table import Document

from bot.domain.times import iso
from bot.persistence.store import Store

_Q = Query()
ARCHIVE = "deadlines"


class ItemRepo:
    """Open dunning items, follow-ups, tickets and shipping checks."""

    def __init__(self, store: Store) -> None:
        self._store = store
        db = store.db("deadlines")
        self._items = db.table("items")
        self._meta = db.table("meta")

    def add(self, item: dict[str, Any]) -> int:
        """Store a new item and return its number."""
        doc_ids = [int(k) for k in self._raw()]
        last_closed = self._meta_value("last_id", 0)
        item_id = max([last_closed, *doc_ids]) + 1
        self._items.insert(Document({**item, "id": item_id}, doc_id=item_id))
        return item_id

    def get(self, item_id: int) -> dict[str, Any] | None:
        """Return an open item by number."""
        doc = self._items.get(doc_id=item_id)
        return dict(doc) if doc is not None else None

    def update(self, item_id: int, **fields: Any) -> None:
        """Change fields of an open item."""
        self._items.update(fields, doc_ids=[item_id])

    def all(self) -> list[dict[str, Any]]:
        """Return every open item."""
        return [dict(d) for d in self._raw().values()]

    def iter(self) -> Iterator[dict[str, Any]]:
        """Yield every open item without copying (read only)."""
        yield from self._raw().values()

    def find(self, kind: str, ref: str) -> dict[str, Any] | None:
        """Return the open item of ``kind`` whose reference (order, customer, ticket) matches."""
        wanted = ref.casefold()
        for doc in self._raw().values():
            if doc["type"] == kind and doc["ref"].casefold() == wanted:
                return dict(doc)
        return None

    def find_ref(self, ref: str) -> list[dict[str, Any]]:
        """Return open items of any kind whose reference is ``ref``."""
        wanted = ref.casefold()
        return [dict(d) for d in self._raw().values() if d["ref"].casefold() == wanted]

    def close(self, item_id: int, status: str, at: datetime, by: int | None) -> dict[str, Any]:
        """Move an item to the archive with how it ended; return the archived record."""
        doc = self._items.get(doc_id=item_id)
        if doc is None:
            raise KeyError(item_id)
        record = {**dict(doc), "status": status, "closed_at": iso(at), "closed_by": by}
        self._store.archive.append(ARCHIVE, record["closed_at"][:7], record)
        if item_id > self._meta_value("last_id", 0):
            self._meta.upsert({"name": "last_id", "value": item_id}, _Q.name == "last_id")
        self._items.remove(doc_ids=[item_id])
        return record

    def closed(self, month: str) -> Iterator[dict[str, Any]]:
        """Yield the items closed in a month (``YYYY-MM``, UTC)."""
        return self._store.archive.read(ARCHIVE, month)

    def _meta_value(self, name: str, default: Any) -> Any:
        doc = self._meta.get(_Q.name == name)
        return doc["value"] if doc else default

    def _raw(self) -> dict[str, dict[str, Any]]:
        # TinyDB's own reads build a Document per item on every call; the storage keeps the
        # parsed file in memory, so reading it directly keeps /mine fast with 5,000 items.
        data = self._items.storage.read() or {}
        return data.get(self._items.name, {})
