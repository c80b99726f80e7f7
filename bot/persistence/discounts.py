"""Discount requests, 三选一 gifts and monthly quotas: ``discounts.json`` and the archive.

The live file holds pending requests, the decisions and gifts of the current and last
month, and the quota of each agent per month (a few small records a month). At the month's
turn older decisions and gifts move to ``archive/<YYYY-MM>/discounts.jsonl`` and
``discount_gifts.jsonl`` (the month of the decision, team time), so the file the bot
rewrites on every request stays small.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tinydb import Query

from bot.domain.discounts import Gift, NextQuota, Request, State, month_of
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()
ARCHIVE = "discounts"
GIFTS = "discount_gifts"


def request_doc(request: Request) -> dict[str, Any]:
    """Return the stored form of a request (amount as text, moments as UTC ISO)."""
    doc = asdict(request)
    doc["amount"] = str(request.amount)
    doc["state"] = request.state.value
    doc["asked_at"] = iso(request.asked_at)
    doc["decided_at"] = iso(request.decided_at) if request.decided_at else None
    return doc


def request_from_doc(doc: dict[str, Any]) -> Request:
    """Read a stored request back."""
    return Request(
        number=int(doc["number"]),
        order_no=doc["order_no"],
        work_no=doc["work_no"],
        name=doc["name"],
        items=int(doc["items"]),
        amount=Decimal(doc["amount"]),
        reason=doc["reason"],
        asked_at=parse_iso(doc["asked_at"]),
        state=State(doc["state"]),
        decided_at=parse_iso(doc["decided_at"]) if doc.get("decided_at") else None,
        decided_by=doc.get("decided_by"),
        decided_by_name=doc.get("decided_by_name"),
        over_quota=bool(doc.get("over_quota")),
    )


def _gift_doc(gift: Gift) -> dict[str, Any]:
    return {**asdict(gift), "at": iso(gift.at)}


def _gift_from_doc(doc: dict[str, Any]) -> Gift:
    return Gift(
        order_no=doc["order_no"],
        work_no=doc["work_no"],
        name=doc["name"],
        gift=doc["gift"],
        at=parse_iso(doc["at"]),
    )


class DiscountRepo:
    """Special requests by number, gifts, and each agent's quota per month."""

    def __init__(self, store: Store, tz: ZoneInfo) -> None:
        self._store = store
        self.tz = tz
        db = store.db("discounts")
        self._requests = db.table("requests")
        self._gifts = db.table("gifts")
        self._quotas = db.table("quotas")
        self._meta = db.table("meta")

    def add_request(
        self,
        order_no: str,
        work_no: str,
        name: str,
        items: int,
        amount: Decimal,
        reason: str,
        at: datetime,
    ) -> Request:
        """Store a new pending request under a number never used before; return it."""
        doc = self._meta.get(_Q.name == "last_number")
        number = (doc["value"] if doc else 0) + 1
        self._meta.upsert({"name": "last_number", "value": number}, _Q.name == "last_number")
        request = Request(number, order_no, work_no, name, items, amount, reason, at)
        self._requests.insert(request_doc(request))
        return request

    def get(self, number: int) -> Request | None:
        """Return a request from the live file (pending, or decided lately)."""
        doc = self._requests.get(_Q.number == number)
        return request_from_doc(doc) if doc else None

    def save(self, request: Request) -> None:
        """Store a request's new state (after the lead decided)."""
        self._requests.update(request_doc(request), _Q.number == request.number)

    def pending(self) -> list[Request]:
        """Return every request still waiting for the lead, oldest first."""
        docs = self._requests.search(_Q.state == State.PENDING.value)
        return sorted((request_from_doc(d) for d in docs), key=lambda r: r.number)

    def live(self) -> list[Request]:
        """Return every request in the live file (pending and lately decided)."""
        return sorted((request_from_doc(d) for d in self._requests.all()), key=lambda r: r.number)

    def decided_in(self, month: str) -> list[Request]:
        """Return the requests decided in a month (team time), archived or live."""
        found = {
            r.number: r
            for r in (request_from_doc(d) for d in self._store.archive.read(ARCHIVE, month))
        }
        for request in self.live():
            if request.decided_at is not None and request.month(self.tz) == month:
                found[request.number] = request
        return [found[n] for n in sorted(found)]

    def add_gift(self, gift: Gift) -> None:
        """Record a 三选一 gift given on a one-mattress order."""
        self._gifts.insert(_gift_doc(gift))

    def gifts_in(self, month: str) -> list[Gift]:
        """Return the gifts of a month (team time), archived or live, oldest first."""
        # keyed by what a gift is, so a copy left by a crash while archiving counts once
        gifts = {
            (g.order_no, g.work_no, g.at): g
            for g in (_gift_from_doc(d) for d in self._store.archive.read(GIFTS, month))
        }
        for gift in (_gift_from_doc(d) for d in self._gifts.all()):
            if month_of(gift.at, self.tz) == month:
                gifts[(gift.order_no, gift.work_no, gift.at)] = gift
        return sorted(gifts.values(), key=lambda g: g.at)

    def set_quota(self, quota: NextQuota) -> None:
        """Store an agent's quota for a month (computed at the month's turn)."""
        doc = {
            "month": quota.month,
            "work_no": quota.work_no,
            "count": quota.count,
            "amount": str(quota.amount),
            "bonus": quota.bonus,
            "excess": quota.excess,
        }
        self._quotas.upsert(doc, (_Q.month == quota.month) & (_Q.work_no == quota.work_no))

    def quota(self, month: str, work_no: str) -> NextQuota | None:
        """Return an agent's stored quota of a month (None: the base applies)."""
        doc = self._quotas.get((_Q.month == month) & (_Q.work_no == work_no))
        return _quota_from_doc(doc) if doc else None

    def quotas(self, month: str) -> list[NextQuota]:
        """Return every stored quota of a month (empty until the month's turn ran)."""
        docs = self._quotas.search(_Q.month == month)
        return sorted((_quota_from_doc(d) for d in docs), key=lambda q: int(q.work_no))

    def archive_before(self, month: str) -> int:
        """Move decisions and gifts of months before ``month`` to the archive; return how many."""
        old = [
            d
            for d in self._requests.all()
            if d.get("decided_at") and month_of(parse_iso(d["decided_at"]), self.tz) < month
        ]
        old_gifts = [d for d in self._gifts.all() if month_of(parse_iso(d["at"]), self.tz) < month]
        for name, docs, moment in ((ARCHIVE, old, "decided_at"), (GIFTS, old_gifts, "at")):
            self._store.archive.extend_by_month(
                name, docs, lambda doc, at=moment: month_of(parse_iso(doc[at]), self.tz)
            )
        # appended before removal: a crash in between leaves a copy that decided_in de-duplicates
        self._requests.remove(doc_ids=[d.doc_id for d in old])
        self._gifts.remove(doc_ids=[d.doc_id for d in old_gifts])
        return len(old) + len(old_gifts)


def _quota_from_doc(doc: dict[str, Any]) -> NextQuota:
    return NextQuota(
        work_no=doc["work_no"],
        month=doc["month"],
        count=int(doc["count"]),
        amount=Decimal(doc["amount"]),
        bonus=int(doc.get("bonus", 0)),
        excess=int(doc.get("excess", 0)),
    )
