"""Check-ins: recent ones in ``checkin.json``, older ones in the monthly archive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from tinydb import Query

from bot.domain.checkin import Checkin, Image, Match, Owner, ReuseIndex, Status
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store, expect_shape

log = logging.getLogger(__name__)
_Q = Query()
ARCHIVE = "checkins"
expect_shape(
    "checkin",
    {
        "records": {"day": str, "shift": str, "work_no": str, "at": str, "status": str},
        "summaries": {"day": str, "shift": str},
        "meta": {"name": str},
    },
)


def _key(doc: Any) -> tuple[str, str, str]:
    return (doc.get("day"), doc.get("shift"), doc.get("work_no"))


def _to_doc(checkin: Checkin) -> dict[str, Any]:
    doc = asdict(checkin)
    doc["day"] = checkin.day.isoformat()
    doc["at"] = iso(checkin.at)
    doc["status"] = checkin.status.value
    doc["accounts"] = list(checkin.accounts)
    doc["images"] = [{**asdict(i), "at": iso(i.at)} for i in checkin.images]
    return doc


def _from_doc(doc: dict[str, Any]) -> Checkin:
    return Checkin(
        day=date.fromisoformat(doc["day"]),
        shift=doc["shift"],
        work_no=doc["work_no"],
        name=doc["name"],
        at=parse_iso(doc["at"]),
        status=Status(doc["status"]),
        late_minutes=doc.get("late_minutes", 0),
        accounts=tuple(doc.get("accounts", ())),
        images=[Image(**{**i, "at": parse_iso(i["at"])}) for i in doc.get("images", [])],
        duplicates=list(doc.get("duplicates", [])),
        notes=list(doc.get("notes", [])),
    )


class _ReuseInBackground:
    """The screenshot index, built on a thread at start so the bot is ready without it.

    Reading every archived check-in takes a second per year of history; the first check-in
    that needs the index waits for it. Check-ins saved meanwhile are added after the history,
    the order a build at start would have given them.
    """

    def __init__(self, job: Callable[[], Callable[[], ReuseIndex]]) -> None:
        self._build = job()
        self._index: ReuseIndex | None = None
        self._failed: BaseException | None = None
        self._pending: list[Checkin] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="checkin-reuse-index", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            index = self._build()
        except BaseException as err:  # surfaced to the first check-in that needs the index
            log.exception("building the screenshot index failed")
            self._failed = err
            return
        with self._lock:
            for checkin in self._pending:
                index.add(checkin)
            self._pending.clear()
            self._index = index

    def add(self, checkin: Checkin) -> None:
        """Index a check-in just saved."""
        with self._lock:
            if self._index is None:
                self._pending.append(checkin)
                return
        self._index.add(checkin)

    def find(self, image: Image, owner: Owner, max_distance: int) -> Match | None:
        """Wait for the index if it is still being built, then look ``image`` up."""
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        assert self._index is not None
        return self._index.find(image, owner, max_distance)


class CheckinRepo:
    """Check-in records by (day, shift, 工号), and which shifts were already summarised."""

    def __init__(self, store: Store) -> None:
        self.store = store
        db = store.db("checkin")
        self._records = db.table("records")
        self._records.index("key", _key)
        self._summaries = db.table("summaries")
        self._summaries.index("key", lambda d: (d.get("day"), d.get("shift")))
        self._meta = db.table("meta")
        self._months: dict[str, list[Checkin]] = {}  # parsed months, dropped on any change
        self._reuse = _ReuseInBackground(self._build_reuse_index)

    def tracking_since(self, now: datetime) -> datetime:
        """Return when check-ins began to be recorded (set to ``now`` the first time)."""
        doc = self._meta.get(_Q.name == "since")
        if doc is None:
            self._meta.insert({"name": "since", "value": iso(now)})
            return now
        return parse_iso(doc["value"])

    def get(self, day: date, shift: str, work_no: str) -> Checkin | None:
        """Return one member's check-in for one shift occurrence."""
        doc = self._records.get_by("key", (day.isoformat(), shift, work_no))
        return _from_doc(doc) if doc else None

    def save(self, checkin: Checkin) -> None:
        """Insert or replace a check-in."""
        doc = _to_doc(checkin)
        ids = self._records.ids_by("key", _key(doc))
        if ids:
            self._records.update(doc, doc_ids=ids)
        else:
            self._records.insert(doc)
        self._months.pop(doc["day"][:7], None)
        self._reuse.add(checkin)

    def for_occurrence(self, day: date, shift: str) -> list[Checkin]:
        """Return the check-ins of one shift occurrence, earliest first."""
        return sorted((c for c in self.for_day(day) if c.shift == shift), key=lambda c: c.at)

    def for_day(self, day: date) -> list[Checkin]:
        """Return every check-in of a date (live and archived)."""
        return [c for c in self.for_month(day.year, day.month) if c.day == day]

    def for_month(self, year: int, month: int) -> list[Checkin]:
        """Return every check-in of a month, live records winning over archived copies."""
        prefix = f"{year:04d}-{month:02d}"
        if prefix not in self._months:
            self._months[prefix] = self._read_month(prefix)
        return list(self._months[prefix])

    def _read_month(self, prefix: str) -> list[Checkin]:
        found: dict[tuple[str, str, str], Checkin] = {}
        for doc in self.store.archive.read(ARCHIVE, prefix):
            checkin = _from_doc(doc)
            found[(doc["day"], checkin.shift, checkin.work_no)] = checkin
        for doc in self._records.raw().values():
            if not doc["day"].startswith(prefix):
                continue
            checkin = _from_doc(doc)
            found[(doc["day"], checkin.shift, checkin.work_no)] = checkin
        return sorted(found.values(), key=lambda c: (c.day, c.at))

    def find_reuse(self, image: Image, owner: Owner, max_distance: int) -> Match | None:
        """Return the earlier check-in (not ``owner``'s own) whose screenshot ``image`` reuses."""
        return self._reuse.find(image, owner, max_distance)

    def _build_reuse_index(self) -> Callable[[], ReuseIndex]:
        """Return the job that indexes every screenshot ever recorded, in history order."""
        live = [dict(doc) for doc in self._records.raw().values()]  # taken now, on this thread
        months = self.store.archive.months(ARCHIVE)

        def build() -> ReuseIndex:
            index = ReuseIndex()
            for month in months:
                for doc in self.store.archive.read(ARCHIVE, month):
                    index.add(_from_doc(doc))
            for doc in live:
                index.add(_from_doc(doc))
            return index

        return build

    def mark_summarized(self, day: date, shift: str) -> None:
        """Remember that the lead got the summary of one shift occurrence."""
        if not self.summarized(day, shift):
            self._summaries.insert({"day": day.isoformat(), "shift": shift})

    def summarized(self, day: date, shift: str) -> bool:
        """Whether the summary of one shift occurrence went out."""
        return bool(self._summaries.ids_by("key", (day.isoformat(), shift)))

    def archive_before(self, cutoff: date) -> int:
        """Move check-ins of days before ``cutoff`` to the monthly archive; return how many."""
        old = self._records.search(_Q.day < cutoff.isoformat())
        self.store.archive.extend_by_month(ARCHIVE, old, lambda doc: doc["day"][:7])
        # appended before removal: a crash in between leaves a copy that reading de-duplicates
        self._records.remove(_Q.day < cutoff.isoformat())
        self._summaries.remove(_Q.day < cutoff.isoformat())
        self._months.clear()
        return len(old)
