"""Open deadline items in small shard files; closed ones go to the monthly archive.

TinyDB rewrites a whole file on every write, and serialising 5,000 items takes tens of
milliseconds, so open items are spread over ``deadlines-00.json`` … by number: a command
rewrites one shard of a few hundred items. Closed items leave for the archive, so the
live files hold only what is open. An item's number is its TinyDB document id, taken from
a counter that never goes back, so a number means one item forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from tinydb import Query
from tinydb.table import Document, Table

from bot.domain.times import iso
from bot.persistence.storage import IndexedTable
from bot.persistence.store import Store, expect_shape

_Q = Query()
ARCHIVE = "deadlines"
SHARDS = 16
for _n in range(SHARDS):
    expect_shape(f"deadlines-{_n:02d}", {"items": {"id": int, "type": str, "ref": str}})
expect_shape("deadlines", {"meta": {"name": str}})


def _ref_key(doc: Any) -> tuple[str, str]:
    return doc.get("type"), str(doc.get("ref", "")).casefold()


class ItemRepo:
    """Open dunning items, follow-ups, tickets and shipping checks."""

    def __init__(self, store: Store, shards: int = SHARDS) -> None:
        self._store = store
        self._shards: list[IndexedTable] = []
        for n in range(shards):
            table = store.db(f"deadlines-{n:02d}").table("items")
            table.index("ref", _ref_key)
            table.index("refcf", lambda d: str(d.get("ref", "")).casefold())
            self._shards.append(table)
        self._meta = store.db("deadlines").table("meta")
        self._meta.index("name")
        self._highest: int | None = None  # the highest number ever given, found once

    def _shard(self, item_id: int) -> IndexedTable:
        return self._shards[item_id % len(self._shards)]

    def add(self, item: dict[str, Any]) -> int:
        """Store a new item and return its number."""
        if self._highest is None:
            open_ids = (int(k) for shard in self._shards for k in _raw(shard))
            self._highest = max(max(open_ids, default=0), self._meta_value("last_id", 0))
        item_id = self._highest + 1
        self._shard(item_id).insert(Document({**item, "id": item_id}, doc_id=item_id))
        self._highest = item_id
        return item_id

    def get(self, item_id: int) -> dict[str, Any] | None:
        """Return an open item by number."""
        doc = _raw(self._shard(item_id)).get(str(item_id))
        return dict(doc) if doc is not None else None

    def update(self, item_id: int, **fields: Any) -> None:
        """Change fields of an open item."""
        self._shard(item_id).update(fields, doc_ids=[item_id])

    def update_many(self, changes: dict[int, dict[str, Any]]) -> None:
        """Change fields of many items, writing each shard once."""
        by_shard: dict[int, dict[int, dict[str, Any]]] = {}
        for item_id, fields in changes.items():
            by_shard.setdefault(item_id % len(self._shards), {})[item_id] = fields
        for index, group in by_shard.items():

            def change(doc: dict[str, Any], group: dict[int, dict[str, Any]] = group) -> None:
                doc.update(group[doc["id"]])

            self._shards[index].update(change, doc_ids=list(group))

    def all(self) -> list[dict[str, Any]]:
        """Return every open item."""
        return [dict(d) for d in self.iter()]

    def iter(self) -> Iterator[dict[str, Any]]:
        """Yield every open item without copying (read only)."""
        for shard in self._shards:
            yield from _raw(shard).values()

    def find(self, kind: str, ref: str) -> dict[str, Any] | None:
        """Return the open item of ``kind`` whose reference (order, customer, ticket) matches."""
        found = [
            d for shard in self._shards for d in shard.search_by("ref", (kind, ref.casefold()))
        ]
        return dict(min(found, key=lambda d: d.doc_id)) if found else None

    def find_ref(self, ref: str) -> list[dict[str, Any]]:
        """Return open items of any kind whose reference is ``ref``."""
        found = [d for shard in self._shards for d in shard.search_by("refcf", ref.casefold())]
        return [dict(d) for d in sorted(found, key=lambda d: d.doc_id)]

    def close(
        self, item_id: int, status: str, at: datetime, by: int | None, **fields: Any
    ) -> dict[str, Any]:
        """Move an item to the archive with how it ended (and last ``fields``); return it."""
        doc = self.get(item_id)
        if doc is None:
            raise KeyError(item_id)
        record = {**doc, **fields, "status": status, "closed_at": iso(at), "closed_by": by}
        self._store.archive.append(ARCHIVE, record["closed_at"][:7], record)
        if item_id > self._meta_value("last_id", 0):
            ids = self._meta.ids_by("name", "last_id")
            if ids:
                self._meta.update({"value": item_id}, doc_ids=ids)
            else:
                self._meta.insert({"name": "last_id", "value": item_id})
        self._shard(item_id).remove(doc_ids=[item_id])
        return record

    def closed(self, month: str) -> Iterator[dict[str, Any]]:
        """Yield the items closed in a month (``YYYY-MM``, UTC)."""
        return self._store.archive.read(ARCHIVE, month)

    def _meta_value(self, name: str, default: Any) -> Any:
        doc = self._meta.get_by("name", name)
        return doc["value"] if doc else default


def _raw(table: Table) -> dict[str, dict[str, Any]]:
    # TinyDB's own reads build a Document per item on every call; the storage keeps the
    # parsed file in memory, so reading it directly keeps /mine fast with 5,000 items.
    data = table.storage.read() or {}
    return data.get(table.name, {})
