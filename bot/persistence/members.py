"""Members and join requests, in ``team.json``."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from bot.domain.errors import UserError
from bot.domain.members import JoinRequest, Member, Role, parse_work_no
from bot.domain.times import iso, parse_iso
from bot.persistence.store import Store, expect_shape

expect_shape(
    "team",
    {
        "members": {"user_id": int, "work_no": str, "name": str, "role": str},
        "join_requests": {"user_id": int, "work_no": str, "name": str},
    },
)
SETTINGS_KEY = "from_settings"  # the shift and rest days the settings file gave last start


def _roster_of(member: Member) -> dict[str, Any]:
    return {"shift": member.shift, "days_off": list(member.days_off)}


def _to_doc(member: Member) -> dict[str, Any]:
    doc = asdict(member)
    doc["role"] = member.role.name.lower()
    doc["days_off"] = list(member.days_off)
    return doc


def _copy(member: Member) -> Member:
    """Return a shallow copy (every field is immutable); dataclasses.replace is 10× slower."""
    copy = object.__new__(Member)
    copy.__dict__.update(member.__dict__)
    return copy


def _from_doc(doc: dict[str, Any]) -> Member:
    data = dict(doc)
    data["role"] = Role[data["role"].upper()]
    data["days_off"] = tuple(data.get("days_off", ()))
    return Member(**data)


class MemberRepo:
    """Registered members, kept in memory by the storage and looked up by id or 工号."""

    def __init__(self, store: Store) -> None:
        self._members = store.table("team", "members", "user_id")
        self._requests = store.table("team", "join_requests", "user_id")
        # Members parsed once per change of the table: the roster asks for them thousands
        # of times in a burst of reminders. Callers get copies, so the cache stays as stored.
        self._cached_at: tuple[int | None, int] | None = None
        self._active: list[Member] = []
        self._by_user: dict[int, Member] = {}
        self._by_work_no: dict[str, Member] = {}

    def _refresh(self) -> None:
        version = self._members.version
        if version != self._cached_at:
            parsed = [_from_doc(d) for d in self._members.raw().values()]
            active = sorted(
                (m for m in parsed if not m.removed), key=lambda m: (int(m.work_no), m.user_id)
            )
            self._active = active
            self._by_user = {m.user_id: m for m in reversed(parsed)}  # the first one wins
            self._by_work_no = {m.work_no: m for m in reversed(active)}
            self._cached_at = version

    def seed(self, members: tuple[Member, ...]) -> list[Member]:
        """Add the members from settings that the data folder does not know yet."""
        added = []
        for member in members:
            if not self._members.ids_by("user_id", member.user_id):
                extra = {**member.extra, SETTINGS_KEY: _roster_of(member)}
                self._members.insert(_to_doc(replace(member, extra=extra)))
                added.append(member)
        return added

    def apply_settings(self, members: tuple[Member, ...]) -> list[tuple[Member, Member]]:
        """Apply shifts and rest days the settings file changed since the last start.

        What the file said last time is kept with each member, so a change a lead made with
        /shift stays until the file itself changes. Return (before, after) of each change.
        """
        changed = []
        for member in members:
            doc = self._members.get_by("user_id", member.user_id)
            if doc is None:
                continue
            stored = _from_doc(doc)
            wanted = _roster_of(member)
            last = stored.extra.get(SETTINGS_KEY, _roster_of(stored))
            if wanted == last and SETTINGS_KEY in stored.extra:
                continue
            extra = {**stored.extra, SETTINGS_KEY: wanted}
            after = replace(stored, extra=extra)
            if wanted != last:
                after = replace(after, shift=member.shift, days_off=member.days_off)
                changed.append((stored, after))
            self.save(after)
        return changed

    def get(self, user_id: int) -> Member | None:
        """Return an active member by Telegram user id."""
        self._refresh()
        member = self._by_user.get(user_id)
        return _copy(member) if member and not member.removed else None

    def named(self, text: str) -> Member:
        """Return the active member a typed 工号 names; raise UserError saying what is wrong."""
        try:
            work_no = parse_work_no(text)
        except ValueError as err:
            raise UserError(str(err)) from None
        member = self.by_work_no(work_no)
        if member is None:
            raise UserError(f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        return member

    def by_work_no(self, work_no: str) -> Member | None:
        """Return an active member by 工号."""
        self._refresh()
        member = self._by_work_no.get(work_no)
        return _copy(member) if member else None

    def all(self) -> list[Member]:
        """Return active members ordered by 工号."""
        self._refresh()
        return [_copy(m) for m in self._active]

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
        ids = self._members.ids_by("user_id", member.user_id)
        if ids:
            self._members.update(_to_doc(member), doc_ids=ids)
        else:
            self._members.insert(_to_doc(member))

    def update(self, user_id: int, **fields: Any) -> None:
        """Change some fields of a stored member."""
        if "role" in fields:
            fields["role"] = fields["role"].name.lower()
        self._members.update(fields, doc_ids=self._members.ids_by("user_id", user_id))

    def add_request(self, request: JoinRequest) -> None:
        """Record (or refresh) someone's request to join."""
        doc = {
            "user_id": request.user_id,
            "work_no": request.work_no,
            "name": request.name,
            "username": request.username,
            "at": iso(request.at),
        }
        ids = self._requests.ids_by("user_id", request.user_id)
        if ids:
            self._requests.update(doc, doc_ids=ids)
        else:
            self._requests.insert(doc)

    def request(self, user_id: int) -> JoinRequest | None:
        """Return a pending join request."""
        doc = self._requests.get_by("user_id", user_id)
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
        self._requests.remove(doc_ids=self._requests.ids_by("user_id", user_id))
