"""Team members (成员) and their roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from bot.domain.numbers import half_width, read_number


class Role(IntEnum):
    """A member's role; a higher value may do everything a lower one may."""

    AGENT = 1
    LEAD = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        """Parse ``agent|lead|admin`` or 客服/组长/主管; raise ValueError otherwise."""
        key = text.strip().lower()
        for role in cls:
            if key in (role.name.lower(), role.label):
                return role
        raise ValueError(f"未知角色 {text!r}，可选：agent（客服）、lead（组长）、admin（主管）")

    @property
    def label(self) -> str:
        """Return the Chinese name of the role."""
        return {Role.AGENT: "客服", Role.LEAD: "组长", Role.ADMIN: "主管"}[self]


WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass
class Member:
    """A registered member of the team."""

    user_id: int
    work_no: str
    name: str
    role: Role = Role.AGENT
    shift: str | None = None
    days_off: tuple[int, ...] = ()  # ISO weekdays, 1 = Monday
    can_dm: bool | None = None  # None: never tried; False: Telegram refused (no /start)
    username: str | None = None
    removed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def display(self) -> str:
        """Return e.g. ``1号客服 张三``."""
        return f"{self.work_no}号{self.role_title} {self.name}"

    @property
    def role_title(self) -> str:
        """Return the role word used after the work number."""
        return "客服" if self.role is Role.AGENT else self.role.label


@dataclass(frozen=True)
class JoinRequest:
    """Someone's request to join the team, waiting for a lead or an admin."""

    user_id: int
    work_no: str
    name: str
    username: str | None
    at: datetime


@dataclass(frozen=True)
class JoinDecision:
    """What pressing 批准/拒绝 on a join request did."""

    request: JoinRequest | None  # None: someone decided it before
    member: Member | None = None  # the new member, when approved
    taken: bool = False  # approval refused: the 工号 went to someone else meanwhile


def short_name(member: Member | None) -> str:
    """Return a member as ``3号 王五`` (or a note that they left the team)."""
    return f"{member.work_no}号 {member.name}" if member else "（已不在团队）"


def parse_work_no(text: str) -> str:
    """Normalise a work number (工号) such as ``1``, ``０１`` or ``1号``; raise ValueError."""
    number = read_number(half_width(text.strip()).removesuffix("号").removeprefix("#"), 6)
    if number is None:
        raise ValueError(f"工号应为数字（如 1 或 12），收到「{text.strip()[:20]}」。")
    return str(number)
