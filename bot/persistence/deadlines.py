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
from bot.persistence.store import Store

_Q = Query()
ARCHIVE = "deadlines"
SHARDS = 16


class ItemRepo:
    """Open dunning items, follow-ups, tickets and shipping checks."""

    def __init__(self, store: Store, shards: int = SHARDS) -> None:
        self._store = store
        self._shards: list[Table] = [
            store.db(f"deadlines-{n:02d}").table("items") for n in range(shards)
        ]
        self._meta = store.db("deadlines").table("meta")

    def _shard(self, item_id: int) -> Table:
        return self._shards[item_id % len(self._shards)]

    def add(self, item: dict[str, Any]) -> int:
        """Store a new item and return its number."""
        highest = max((int(k) for shard in self._shards for k in _raw(shard)), default=0)
        item_id = max(highest, self._meta_value("last_id", 0)) + 1
        self._shard(item_id).insert(Document({**item, "id": item_id}, doc_id=item_id))
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
            self._shards[index].update_multiple(
                [(fields, _Q.id == item_id) for item_id, fields in group.items()]
            )

    def all(self) -> list[dict[str, Any]]:
        """Return every open item."""
        return [dict(d) for d in self.iter()]

    def iter(self) -> Iterator[dict[str, Any]]:
        """Yield every open item without copying (read only)."""
        for shard in self._shards:
            yield from _raw(shard).values()

    def find(self, kind: str, ref: str) -> dict[str, Any] | None:
        """Return the open item of ``kind`` whose reference (order, customer, ticket) matches."""
        wanted = ref.casefold()
        for doc in self.iter():
            if doc["type"] == kind and doc["ref"].casefold() == wanted:
                return dict(doc)
        return None

    def find_ref(self, ref: str) -> list[dict[str, Any]]:
        """Return open items of any kind whose reference is ``ref``."""
        wanted = ref.casefold()
        return [dict(d) for d in self.iter() if d["ref"].casefold() == wanted]

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
            self._meta.upsert({"name": "last_id", "value": item_id}, _Q.name == "last_id")
        self._shard(item_id).remove(doc_ids=[item_id])
        return record

    def closed(self, month: str) -> Iterator[dict[str, Any]]:
        """Yield the items closed in a month (``YYYY-MM``, UTC)."""
        return self._store.archive.read(ARCHIVE, month)

    def _meta_value(self, name: str, default: Any) -> Any:
        doc = self._meta.get(_Q.name == name)
        return doc["value"] if doc else default


def _raw(table: Table) -> dict[str, dict[str, Any]]:
    # TinyDB's own reads build a Document per item on every call; the storage keeps the
    # parsed file in memory, so reading it directly keeps /mine fast with 5,000 items.
    data = table.storage.read() or {}
    return data.get(table.name, {})
