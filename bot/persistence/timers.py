"""Stored timers and the notification outbox, in ``schedule.json``.

The stored records are the truth; the JobQueue only wakes the dispatcher. Both tables hold
only what is still to come (plus recently sent keys), so the file stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tinydb import Query

from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()


@dataclass
class Timer:
    """Something to do at a moment: ``kind`` picks the handler, ``payload`` its data."""

    key: str
    kind: str
    due: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Notification:
    """A message to deliver at ``due``; ``recipient`` is one of
    ``{"user": id}``, ``{"chat": id}`` or ``{"leads": shift_key_or_None}``."""

    key: str
    due: datetime
    recipient: dict[str, Any]
    text: str
    kind: str = ""


class TimerRepo:
    """Pending timers, unique by key."""

    def __init__(self, store: Store) -> None:
        db = store.db("schedule")
        self._timers = db.table("timers")
        self._meta = db.table("meta")

    def put(self, timer: Timer) -> bool:
        """Store a timer unless one with its key is pending; return whether it was added."""
        if self._timers.contains(_Q.key == timer.key):
            return False
        self._timers.insert(
            {"key": timer.key, "kind": timer.kind, "due": iso(timer.due), "payload": timer.payload}
        )
        return True

    def replace(self, timer: Timer) -> None:
        """Store a timer, replacing a pending one with the same key."""
        self._timers.upsert(
            {
                "key": timer.key,
                "kind": timer.kind,
                "due": iso(timer.due),
                "payload": timer.payload,
            },
            _Q.key == timer.key,
        )

    def due(self, now: datetime) -> list[Timer]:
        """Return timers due at or before ``now``, soonest first."""
        limit = iso(now)
        docs = [d for d in self._timers.all() if d["due"] <= limit]
        return [self._timer(d) for d in sorted(docs, key=lambda d: (d["due"], d.doc_id))]

    def pending(self, prefix: str = "") -> list[Timer]:
        """Return pending timers whose key starts with ``prefix``, soonest first."""
        docs = [d for d in self._timers.all() if d["key"].startswith(prefix)]
        return [self._timer(d) for d in sorted(docs, key=lambda d: (d["due"], d.doc_id))]

    def next_due(self) -> datetime | None:
        """Return the earliest pending due time."""
        dues = [d["due"] for d in self._timers.all()]
        return parse_iso(min(dues)) if dues else None

    def remove(self, key: str) -> None:
        """Drop a timer (done or cancelled)."""
        self._timers.remove(_Q.key == key)

    def remove_prefix(self, prefix: str) -> int:
        """Drop every pending timer whose key starts with ``prefix``."""
        return len(self._timers.remove(_Q.key.test(lambda k: k.startswith(prefix))))

    def meta(self, name: str) -> Any:
        """Return a bookkeeping value."""
        doc = self._meta.get(_Q.name == name)
        return doc["value"] if doc else None

    def set_meta(self, name: str, value: Any) -> None:
        """Store a bookkeeping value."""
        self._meta.upsert({"name": name, "value": value}, _Q.name == name)

    @staticmethod
    def _timer(doc: dict[str, Any]) -> Timer:
        return Timer(doc["key"], doc["kind"], parse_iso(doc["due"]), dict(doc["payload"]))


class OutboxRepo:
    """Notifications to send; sent ones stay a few days by key so none goes out twice."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._table = store.db("schedule").table("outbox")

    def put(self, note: Notification) -> bool:
        """Queue a notification unless its key was queued or sent already."""
        if self._table.contains(_Q.key == note.key):
            return False
        self._table.insert(
            {
                "key": note.key,
                "due": iso(note.due),
                "recipient": note.recipient,
                "text": note.text,
                "kind": note.kind,
                "sent_at": None,
            }
        )
        return True

    def due(self, now: datetime) -> list[Notification]:
        """Return unsent notifications due at or before ``now``, oldest first."""
        limit = iso(now)
        docs = [d for d in self._table.all() if d["sent_at"] is None and d["due"] <= limit]
        docs.sort(key=lambda d: (d["due"], d.doc_id))
        return [
            Notification(d["key"], parse_iso(d["due"]), d["recipient"], d["text"], d["kind"])
            for d in docs
        ]

    def next_due(self) -> datetime | None:
        """Return the earliest unsent due time."""
        dues = [d["due"] for d in self._table.all() if d["sent_at"] is None]
        return parse_iso(min(dues)) if dues else None

    def mark_sent(self, keys: list[str], at: datetime, delivered_to: str) -> None:
        """Record that these notifications went out."""
        wanted = set(keys)
        self._table.update(
            {"sent_at": iso(at), "delivered_to": delivered_to}, _Q.key.test(lambda k: k in wanted)
        )

    def prune(self, now: datetime, keep: timedelta = timedelta(days=3)) -> int:
        """Move notifications sent before ``now - keep`` to the monthly archive."""
        limit = iso(now - keep)
        old = [d for d in self._table.all() if d["sent_at"] is not None and d["sent_at"] < limit]
        if not old:
            return 0
        by_month: dict[str, list[dict[str, Any]]] = {}
        for doc in old:
            by_month.setdefault(doc["sent_at"][:7], []).append(dict(doc))
        for month, records in by_month.items():
            self._store.archive.extend("outbox", month, records)
        self._table.remove(doc_ids=[d.doc_id for d in old])
        return len(old)
