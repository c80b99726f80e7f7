"""The team service: join requests and their approval, roles, removal, private messages."""

from __future__ import annotations

from datetime import datetime

from bot.domain import team_text
from bot.domain.errors import UserError
from bot.domain.members import JoinDecision, JoinRequest, Member, Role, parse_work_no
from bot.domain.times import iso
from bot.persistence.members import MemberRepo

NAME_LIMIT = 20  # characters of a name typed with /join


class TeamService:
    """Who is in the team and with which role (``svc.team``)."""

    def __init__(self, members: MemberRepo) -> None:
        self.members = members

    def allow_private(self, member: Member) -> None:
        """Record that the bot may message ``member`` privately (they sent /start there)."""
        self.members.update(member.user_id, can_dm=True)

    def request_join(
        self, user_id: int, username: str | None, work_no: str, name: str, now: datetime
    ) -> JoinRequest:
        """Record a request to join under a free 工号; raise UserError when it is taken."""
        taken = self.members.by_work_no(work_no)
        if taken is not None:
            raise UserError(f"工号 {work_no} 已被 {taken.name} 使用，请核对工号。")
        request = JoinRequest(user_id, work_no, name[:NAME_LIMIT], username, now)
        self.members.add_request(request)
        return request

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
        try:
            work_no = parse_work_no(text)
        except ValueError as err:
            raise UserError(str(err)) from None
        member = self.members.by_work_no(work_no)
        if member is None:
            raise UserError(f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        return member

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
