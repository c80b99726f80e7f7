"""Stored timers and the notification outbox, in ``schedule.json``.

The stored records are the truth; the JobQueue only wakes the dispatcher. Both tables hold
only what is still to come (plus recently sent keys), so the file stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tinydb import Query
from tinydb.table import Table

from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store, expect_shape

_Q = Query()
PRUNE_EVERY = timedelta(minutes=10)
expect_shape(
    "schedule",
    {
        "timers": {"key": str, "kind": str, "due": str, "payload": dict},
        "outbox": {"key": str, "due": str, "recipient": dict, "text": str},
        "meta": {"name": str},
    },
)


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
    attempts: int = 0  # failed tries so far (each waits longer before the next)
    unconfirmed: bool = False  # a crash came while it was being sent: it may have arrived


class TimerRepo:
    """Pending timers, unique by key."""

    def __init__(self, store: Store) -> None:
        self._timers = store.table("schedule", "timers", "key")
        self._meta = store.table("schedule", "meta", "name")

    def put(self, timer: Timer) -> bool:
        """Store a timer unless one with its key is pending; return whether it was added."""
        if self._doc_id(timer.key) is not None:
            return False
        self._timers.insert(
            {"key": timer.key, "kind": timer.kind, "due": iso(timer.due), "payload": timer.payload}
        )
        return True

    def replace(self, timer: Timer) -> None:
        """Store a timer, replacing a pending one with the same key."""
        doc = {
            "key": timer.key,
            "kind": timer.kind,
            "due": iso(timer.due),
            "payload": timer.payload,
            "attempts": 0,  # a re-armed timer is new work
        }
        doc_id = self._doc_id(timer.key)
        if doc_id is None:
            self._timers.insert(doc)
        else:
            self._timers.update(doc, doc_ids=[doc_id])

    def due(self, now: datetime) -> list[Timer]:
        """Return timers due at or before ``now``, soonest first."""
        limit = iso(now)
        docs = [(int(i), d) for i, d in _raw(self._timers).items() if d["due"] <= limit]
        return [self._timer(d) for _, d in sorted(docs, key=lambda p: (p[1]["due"], p[0]))]

    def pending(self, prefix: str = "") -> list[Timer]:
        """Return pending timers whose key starts with ``prefix``, soonest first."""
        docs = [(int(i), d) for i, d in _raw(self._timers).items() if d["key"].startswith(prefix)]
        return [self._timer(d) for _, d in sorted(docs, key=lambda p: (p[1]["due"], p[0]))]

    def next_due(self) -> datetime | None:
        """Return the earliest pending due time."""
        dues = [d["due"] for d in _raw(self._timers).values()]
        return parse_iso(min(dues)) if dues else None

    def remove(self, key: str) -> None:
        """Drop a timer (done or cancelled)."""
        doc_id = self._doc_id(key)
        if doc_id is not None:
            self._timers.remove(doc_ids=[doc_id])

    def start_attempt(self, timer: Timer) -> int:
        """Count one more run of a due timer (stored before it runs); return the count."""
        doc_id = self._doc_id(timer.key)
        if doc_id is None:
            return 0
        attempts = int(_raw(self._timers)[str(doc_id)].get("attempts", 0)) + 1
        self._timers.update({"attempts": attempts}, doc_ids=[doc_id])
        return attempts

    def finish(self, timer: Timer) -> None:
        """Drop a timer whose work is complete, unless its handler re-armed it for later."""
        doc_id = self._doc_id(timer.key)
        if doc_id is not None and _raw(self._timers)[str(doc_id)]["due"] == iso(timer.due):
            self._timers.remove(doc_ids=[doc_id])

    def remove_prefix(self, prefix: str) -> int:
        """Drop every pending timer whose key starts with ``prefix``."""
        ids = [int(i) for i, d in _raw(self._timers).items() if d["key"].startswith(prefix)]
        if ids:
            self._timers.remove(doc_ids=ids)
        return len(ids)

    def _doc_id(self, key: str) -> int | None:
        ids = self._timers.ids_by("key", key)
        return ids[0] if ids else None

    def meta(self, name: str) -> Any:
        """Return a bookkeeping value."""
        doc = self._meta.get_by("name", name)
        return doc["value"] if doc else None

    def set_meta(self, name: str, value: Any) -> None:
        """Store a bookkeeping value."""
        ids = self._meta.ids_by("name", name)
        if ids:
            self._meta.update({"value": value}, doc_ids=ids)
        else:
            self._meta.insert({"name": name, "value": value})

    @staticmethod
    def _timer(doc: dict[str, Any]) -> Timer:
        return Timer(doc["key"], doc["kind"], parse_iso(doc["due"]), dict(doc["payload"]))


class OutboxRepo:
    """Notifications to send; sent ones stay a few days by key so none goes out twice."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._table = store.table("schedule", "outbox", "key")
        self._table.index("unsent", lambda d: d.get("sent_at") is None)
        self._pruned_at: datetime | None = None

    def put(self, note: Notification) -> bool:
        """Queue a notification unless its key was queued or sent already."""
        return self.put_many([note]) == 1

    def put_many(self, notes: list[Notification]) -> int:
        """Queue notifications whose keys are new, in one write; return how many."""
        known: set[str] = set()
        fresh = []
        for note in notes:
            if note.key in known or self._table.ids_by("key", note.key):
                continue
            known.add(note.key)
            fresh.append(
                {
                    "key": note.key,
                    "due": iso(note.due),
                    "recipient": note.recipient,
                    "text": note.text,
                    "kind": note.kind,
                    "sent_at": None,
                }
            )
        if fresh:
            self._table.insert_multiple(fresh)
        return len(fresh)

    def due(self, now: datetime) -> list[Notification]:
        """Return unsent notifications due (and not waiting to retry) at ``now``, oldest first."""
        limit = iso(now)
        raw = _raw(self._table)
        docs = [
            (i, raw[str(i)])
            for i in self._table.ids_by("unsent", True)
            if _ready_at(raw[str(i)]) <= limit
        ]
        docs.sort(key=lambda p: (p[1]["due"], p[0]))
        return [
            Notification(
                d["key"],
                parse_iso(d["due"]),
                d["recipient"],
                d["text"],
                d["kind"],
                attempts=d.get("attempts", 0),
                unconfirmed=d.get("unconfirmed", False),
            )
            for _, d in docs
        ]

    def next_due(self) -> datetime | None:
        """Return the earliest moment an unsent notification is to go (or be retried)."""
        raw = _raw(self._table)
        dues = [_ready_at(raw[str(i)]) for i in self._table.ids_by("unsent", True)]
        return parse_iso(min(dues)) if dues else None

    def waiting(self) -> int:
        """Return how many notifications are still to be sent (due or not)."""
        return len(self._table.ids_by("unsent", True))

    def mark_sending(self, keys: list[str], at: datetime) -> None:
        """Record that these notifications are being handed to Telegram right now."""
        self._set(keys, {"sending": iso(at)})

    def defer(
        self, keys: list[str], until: datetime, attempts: int, unconfirmed: bool = False
    ) -> None:
        """Put failed notifications back in the queue until ``until`` (back-off).

        ``unconfirmed``: Telegram may have shown them (the answer timed out); the next try
        is flagged as possibly repeated.
        """
        fields: dict[str, Any] = {"sending": None, "retry_at": iso(until), "attempts": attempts}
        if unconfirmed:
            fields["unconfirmed"] = True
        self._set(keys, fields)

    def reconcile(self) -> int:
        """At start: notifications a crash caught while sending are queued again, flagged.

        Telegram may or may not have shown them; they go out once more marked as possibly
        repeated rather than being lost. Return how many.
        """
        raw = _raw(self._table)
        keys = [
            raw[str(i)]["key"]
            for i in self._table.ids_by("unsent", True)
            if raw[str(i)].get("sending")
        ]
        self._set(keys, {"sending": None, "unconfirmed": True})
        return len(keys)

    def _set(self, keys: list[str], fields: dict[str, Any]) -> None:
        ids = sorted({i for key in keys for i in self._table.ids_by("key", key)})
        if ids:
            self._table.update(fields, doc_ids=ids)

    def mark_sent(self, keys: list[str], at: datetime, delivered_to: str) -> None:
        """Record that these notifications went out."""
        ids = sorted({i for key in keys for i in self._table.ids_by("key", key)})
        if ids:
            self._table.update(
                {"sent_at": iso(at), "delivered_to": delivered_to, "sending": None}, doc_ids=ids
            )

    def prune(self, now: datetime, keep: timedelta = timedelta(days=3)) -> int:
        """Move notifications sent before ``now - keep`` to the monthly archive.

        Runs after every command; looking through the sent notes more than once every
        ``PRUNE_EVERY`` would cost each command a scan of three days of notifications.
        """
        if self._pruned_at is not None and self._pruned_at <= now < self._pruned_at + PRUNE_EVERY:
            return 0
        self._pruned_at = now
        limit = iso(now - keep)
        old = [
            (int(i), d)
            for i, d in _raw(self._table).items()
            if d["sent_at"] is not None and d["sent_at"] < limit
        ]
        if not old:
            return 0
        self._store.archive.extend_by_month(
            "outbox", (doc for _, doc in old), lambda doc: doc["sent_at"][:7]
        )
        self._table.remove(doc_ids=[i for i, _ in old])
        return len(old)


def _ready_at(doc: dict[str, Any]) -> str:
    """Return when an unsent notification may go: its due time, or later after a failure."""
    retry = doc.get("retry_at")
    return max(doc["due"], retry) if retry else doc["due"]


def _raw(table: Table) -> dict[str, dict[str, Any]]:
    """Return a table's stored documents by id, straight from the cached storage (read only).

    TinyDB's own reads and queries build a Document for every row on every call; with
    thousands of rows that cost more than the command itself.
    """
    data = table.storage.read() or {}
    return data.get(table.name, {})
