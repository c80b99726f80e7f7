"""Members and join requests, in ``team.json``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tinydb import Query

from bot.domain.members import JoinRequest, Member, Role
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store

_Q = Query()


def _to_doc(member: Member) -> dict[str, Any]:
    doc = asdict(member)
    doc["role"] = member.role.name.lower()
    doc["days_off"] = list(member.days_off)
    return doc


def _from_doc(doc: dict[str, Any]) -> Member:
    data = dict(doc)
    data["role"] = Role[data["role"].upper()]
    data["days_off"] = tuple(data.get("days_off", ()))
    return Member(**data)


class MemberRepo:
    """Registered members, kept in memory by the storage and looked up by id or 工号."""

    def __init__(self, store: Store) -> None:
        db = store.db("team")
        self._members = db.table("members")
        self._requests = db.table("join_requests")

    def seed(self, members: tuple[Member, ...]) -> list[Member]:
        """Add the members from settings that the data folder does not know yet."""
        added = []
        for member in members:
            if not self._members.contains(_Q.user_id == member.user_id):
                self._members.insert(_to_doc(member))
                added.append(member)
        return added

    def get(self, user_id: int) -> Member | None:
        """Return an active member by Telegram user id."""
        doc = self._members.get(_Q.user_id == user_id)
        member = _from_doc(doc) if doc else None
        return member if member and not member.removed else None

    def by_work_no(self, work_no: str) -> Member | None:
        """Return an active member by 工号."""
        doc = self._members.get((_Q.work_no == work_no) & (_Q.removed == False))  # noqa: E712
        return _from_doc(doc) if doc else None

    def all(self) -> list[Member]:
        """Return active members ordered by 工号."""
        members = [_from_doc(d) for d in self._members.all() if not d.get("removed")]
        return sorted(members, key=lambda m: (int(m.work_no), m.user_id))

    def with_role(self, minimum: Role) -> list[Member]:
        """Return active members whose role is at least ``minimum``."""
        return [m for m in self.all() if m.role >= minimum]

    def leads(self, shift: str | None = None) -> list[Member]:
        """Return the leads of a shift (or all leads); the admins when there is none."""
        leads = [
            m
            for m in self.all()
            if m.role is Role.LEAD and (shift is None or m.shift in (None, shift))
        ]
        return leads or self.with_role(Role.ADMIN)

    def save(self, member: Member) -> None:
        """Insert or replace a member."""
        self._members.upsert(_to_doc(member), _Q.user_id == member.user_id)

    def update(self, user_id: int, **fields: Any) -> None:
        """Change some fields of a stored member."""
        if "role" in fields:
            fields["role"] = fields["role"].name.lower()
        self._members.update(fields, _Q.user_id == user_id)

    def add_request(self, request: JoinRequest) -> None:
        """Record (or refresh) someone's request to join."""
        doc = {
            "user_id": request.user_id,
            "work_no": request.work_no,
            "name": request.name,
            "username": request.username,
            "at": iso(request.at),
        }
        self._requests.upsert(doc, _Q.user_id == request.user_id)

    def request(self, user_id: int) -> JoinRequest | None:
        """Return a pending join request."""
        doc = self._requests.get(_Q.user_id == user_id)
        if doc is None:
            return None
        return JoinRequest(
            user_id=doc["user_id"],
            work_no=doc["work_no"],
            name=doc["name"],
            username=doc.get("username"),
            at=parse_iso(doc["at"]),
        )

    def requests(self) -> list[JoinRequest]:
        """Return every pending join request."""
        return [r for r in map(self.request, (d["user_id"] for d in self._requests.all())) if r]

    def drop_request(self, user_id: int) -> None:
        """Forget a join request once decided."""
        self._requests.remove(_Q.user_id == user_id)
