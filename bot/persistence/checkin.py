"""Check-ins: recent ones in ``checkin.json``, older ones in the monthly archive."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from tinydb import Query

from bot.domain.checkin import Checkin, Image, Match, Owner, ReuseIndex, Status
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()
ARCHIVE = "checkins"


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


class CheckinRepo:
    """Check-in records by (day, shift, 工号), and which shifts were already summarised."""

    def __init__(self, store: Store) -> None:
        self.store = store
        db = store.db("checkin")
        self._records = db.table("records")
        self._summaries = db.table("summaries")
        self._meta = db.table("meta")
        self._reuse = self._build_reuse_index()

    def tracking_since(self, now: datetime) -> datetime:
        """Return when check-ins began to be recorded (set to ``now`` the first time)."""
        doc = self._meta.get(_Q.name == "since")
        if doc is None:
            self._meta.insert({"name": "since", "value": iso(now)})
            return now
        return parse_iso(doc["value"])

    def get(self, day: date, shift: str, work_no: str) -> Checkin | None:
        """Return one member's check-in for one shift occurrence."""
        doc = self._records.get(
            (_Q.day == day.isoformat()) & (_Q.shift == shift) & (_Q.work_no == work_no)
        )
        return _from_doc(doc) if doc else None

    def save(self, checkin: Checkin) -> None:
        """Insert or replace a check-in."""
        self._records.upsert(
            _to_doc(checkin),
            (_Q.day == checkin.day.isoformat())
            & (_Q.shift == checkin.shift)
            & (_Q.work_no == checkin.work_no),
        )
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
        found: dict[tuple[str, str, str], Checkin] = {}
        for doc in self.store.archive.read(ARCHIVE, prefix):
            checkin = _from_doc(doc)
            found[(doc["day"], checkin.shift, checkin.work_no)] = checkin
        for doc in self._records.search(_Q.day.test(lambda d: d.startswith(prefix))):
            checkin = _from_doc(doc)
            found[(doc["day"], checkin.shift, checkin.work_no)] = checkin
        return sorted(found.values(), key=lambda c: (c.day, c.at))

    def find_reuse(self, image: Image, owner: Owner, max_distance: int) -> Match | None:
        """Return the earlier check-in (not ``owner``'s own) whose screenshot ``image`` reuses."""
        return self._reuse.find(image, owner, max_distance)

    def _build_reuse_index(self) -> ReuseIndex:
        """Index every screenshot ever recorded: the archive month by month, then the live file."""
        index = ReuseIndex()
        for month in self.store.archive.months(ARCHIVE):
            for doc in self.store.archive.read(ARCHIVE, month):
                index.add(_from_doc(doc))
        for doc in self._records.all():
            index.add(_from_doc(doc))
        return index

    def mark_summarized(self, day: date, shift: str) -> None:
        """Remember that the lead got the summary of one shift occurrence."""
        self._summaries.upsert(
            {"day": day.isoformat(), "shift": shift},
            (_Q.day == day.isoformat()) & (_Q.shift == shift),
        )

    def summarized(self, day: date, shift: str) -> bool:
        """Whether the summary of one shift occurrence went out."""
        return self._summaries.contains((_Q.day == day.isoformat()) & (_Q.shift == shift))

    def archive_before(self, cutoff: date) -> int:
        """Move check-ins of days before ``cutoff`` to the monthly archive; return how many."""
        old = self._records.search(_Q.day < cutoff.isoformat())
        by_month: dict[str, list[dict[str, Any]]] = {}
        for doc in old:
            by_month.setdefault(doc["day"][:7], []).append(dict(doc))
        for month, docs in by_month.items():
            self.store.archive.extend(ARCHIVE, month, docs)
        # appended before removal: a crash in between leaves a copy that reading de-duplicates
        self._records.remove(_Q.day < cutoff.isoformat())
        self._summaries.remove(_Q.day < cutoff.isoformat())
        return len(old)
