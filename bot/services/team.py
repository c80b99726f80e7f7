"""The team service: join requests and their approval, roles, removal, private messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import team_text
from bot.domain.errors import Refusal, UserError
from bot.domain.members import JoinDecision, JoinRequest, Member, Role
from bot.domain.numbers import is_blank
from bot.domain.times import iso
from bot.persistence.members import MemberRepo
from bot.services.messenger import Button, Keyboard, Messenger, Posted

NAME_LIMIT = 20  # characters of a name typed with /join
JOIN_WINDOW = timedelta(hours=1)  # the window join_per_hour counts requests in


class TeamService:
    """Who is in the team and with which role (``svc.team``)."""

    def __init__(
        self, members: MemberRepo, messenger: Messenger | None = None, join_per_hour: int = 5
    ) -> None:
        self.members = members
        self.messenger = messenger
        self.join_per_hour = join_per_hour
        # The one card that collects the requests over the hourly limit (in memory: after a
        # restart the next request over the limit starts a new card).
        self._collected: list[int] = []
        self._card: Posted | None = None
        self._card_since: datetime | None = None

    def allow_private(self, member: Member) -> None:
        """Record that the bot may message ``member`` privately (they sent /start there)."""
        self.members.update(member.user_id, can_dm=True)

    def request_join(
        self, user_id: int, username: str | None, work_no: str, name: str, now: datetime
    ) -> JoinRequest:
        """Record a request to join under a free 工号; raise UserError when it is taken.

        One pending request per person: a second /join before the first is decided is refused.
        """
        if self.members.request(user_id) is not None:
            raise Refusal(team_text.JOIN_PENDING)
        if is_blank(name):
            raise UserError("姓名不能为空，例如 /join 7 王小明")
        taken = self.members.by_work_no(work_no)
        if taken is not None:
            raise UserError(f"工号 {work_no} 已被 {taken.name} 使用，请核对工号。")
        request = JoinRequest(user_id, work_no, name[:NAME_LIMIT], username, now)
        self.members.add_request(request)
        return request

    def over_limit(self, now: datetime) -> bool:
        """Whether more requests than ``join_per_hour`` came in the last hour (each its card)."""
        recent = [r for r in self.members.requests() if now - r.at < JOIN_WINDOW]
        return len(recent) > self.join_per_hour

    async def collect(self, request: JoinRequest, chat_id: int, now: datetime) -> None:
        """Add a request over the hourly limit to the one card that collects them."""
        if self._card_since is None or now - self._card_since >= JOIN_WINDOW:
            self._collected, self._card, self._card_since = [], None, now
        self._collected.append(request.user_id)
        await self._show_collected(chat_id)

    def is_collected_card(self, chat_id: int, message_id: int) -> bool:
        """Whether a message is the card that collects the requests over the limit."""
        return self._card == Posted(chat_id, message_id)

    async def refresh_collected(self) -> None:
        """Show the collecting card again after one of its requests was decided."""
        if self._card is not None:
            await self._show_collected(self._card.chat_id)

    async def _show_collected(self, chat_id: int) -> None:
        if self.messenger is None:
            return
        pending = [r for r in map(self.members.request, self._collected) if r is not None]
        text = team_text.join_collected(pending, self.join_per_hour)
        keyboard: Keyboard = [
            [
                Button(f"批准 {r.name}", f"join:ok:{r.user_id}"),
                Button(f"拒绝 {r.name}", f"join:no:{r.user_id}"),
            ]
            for r in pending
        ]
        card = self._card
        if card is not None and await self.messenger.edit(
            card.chat_id, card.message_id, text, keyboard
        ):
            return
        if card is None:
            self._card = await self.messenger.to_chat(chat_id, text, keyboard)

    def decide(self, user_id: int, approve: bool, now: datetime) -> JoinDecision:
        """Approve or reject a pending request once; an approved person becomes an agent.

        The join moment is kept (``extra["joined"]``): a mid-month joiner's quotas differ.
        """
        request = self.members.request(user_id)
        if request is None:
            return JoinDecision(None)
        self.members.drop_request(user_id)
        if not approve:
            return JoinDecision(request)
        if self.members.by_work_no(request.work_no) is not None:
            return JoinDecision(request, taken=True)
        member = Member(
            user_id=user_id,
            work_no=request.work_no,
            name=request.name,
            username=request.username,
            extra={"joined": iso(now)},
        )
        self.members.save(member)
        return JoinDecision(request, member)

    def member(self, text: str) -> Member:
        """Return the member a typed 工号 names; raise UserError."""
        return self.members.named(text)

    def set_role(self, admin: Member, target: Member, role: Role) -> str:
        """Change a member's role and say so; the team's only admin may not demote themselves."""
        if (
            target.user_id == admin.user_id
            and role < Role.ADMIN
            and len(self.members.with_role(Role.ADMIN)) <= 1
        ):
            raise UserError("您是唯一的主管，不能降低自己的角色。请先任命另一位主管。")
        self.members.update(target.user_id, role=role)
        return team_text.role_changed(target, role)

    def remove(self, admin: Member, target: Member) -> str:
        """Take a member out of the team (their history stays) and say so; not oneself."""
        if target.user_id == admin.user_id:
            raise UserError("不能移除自己。")
        self.members.update(target.user_id, removed=True)
        return team_text.removed(target)
