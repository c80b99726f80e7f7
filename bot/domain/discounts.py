"""Discount authority (优惠权限, seed 004): what an agent gives alone, what needs the lead.

- One mattress sells at the page price; for a hard case the agent gives exactly one of the
  gifts (床笠 / 记忆枕 / 50 元返现, 三选一) and records it, asking nobody.
- A discount above ``per_item`` 元 per mattress is a special request the lead approves or
  refuses. Each agent has a monthly quota of approvals (5) and of their total (500 元); the
  lead may approve beyond it, and such an approval is marked over quota.
- At the month's turn (seed: 当月特殊申请金额最少的, 下月申请次数增加2; 超过5次…下月申请扣罚对应
  次数) each agent's next count is the base, plus ``bonus`` for the smallest approved total,
  minus the approvals beyond this month's count.

Decisions where the seed is silent (docs/kpi.md repeats them):
- An approval counts in the month (team timezone) in which the lead decided it, so a month
  is closed once it has ended, even for a request asked on its last evening.
- The amount quota adds up the whole discount of each approved request.
- Ties for the smallest total: every agent tied gets the bonus (it rewards restraint, and
  any tie-break would be arbitrary). An agent with no approval has a total of 0.
- An agent who joined during the month has the full quota in that month but does not
  compete for the bonus (a newcomer with a few days of work would win it by default); their
  excess is taken off like anyone's.
- The excess is counted against the agent's own count of that month (5, or 7 after a
  bonus); the amount quota has no carry-over (the seed names none). The next count never
  goes below 0, and an excess larger than the next count is not carried further.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from zoneinfo import ZoneInfo

from bot.domain.errors import UserError

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^[¥￥]?\s*(\d+(?:\.\d{1,2})?)\s*(?:元|块钱?|rmb)?$", re.IGNORECASE)
_ITEMS = re.compile(r"^(\d{1,3})\s*(?:张|件|个|套)?$")


class State(Enum):
    """Where a special request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        """Return the Chinese word for the state."""
        return {"pending": "待审批", "approved": "已同意", "refused": "已拒绝"}[self.value]


@dataclass(frozen=True)
class DiscountRules:
    """The numbers of the discount rules (settings [discounts]; seed 004 defaults)."""

    gifts: tuple[str, ...] = ("床笠", "记忆枕", "50元返现")
    per_item: Decimal = Decimal(50)  # 元 per mattress an agent may give without asking
    monthly_count: int = 5
    monthly_amount: Decimal = Decimal(500)
    bonus: int = 2  # extra approvals next month for the smallest special total


@dataclass(frozen=True)
class Gift:
    """A gift given on a one-mattress order (三选一), recorded by the agent."""

    order_no: str
    work_no: str
    name: str
    gift: str
    at: datetime


@dataclass(frozen=True)
class Request:
    """A special discount request and, once decided, the lead's answer."""

    number: int
    order_no: str
    work_no: str
    name: str
    items: int
    amount: Decimal
    reason: str
    asked_at: datetime
    state: State = State.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None  # 工号 of the lead
    decided_by_name: str | None = None
    over_quota: bool = False

    def month(self, tz: ZoneInfo) -> str | None:
        """Return the month (``YYYY-MM``, team time) the decision counts in, if decided."""
        return month_of(self.decided_at, tz) if self.decided_at else None


@dataclass(frozen=True)
class Quota:
    """One agent's quota in one month and what is used of it."""

    count: int
    amount: Decimal
    used_count: int = 0
    used_amount: Decimal = Decimal(0)
    pending: int = 0

    @property
    def left_count(self) -> int:
        """Return the approvals left (0 once past the quota)."""
        return max(0, self.count - self.used_count)

    @property
    def left_amount(self) -> Decimal:
        """Return the amount left (0 once past the quota)."""
        return max(Decimal(0), self.amount - self.used_amount)

    def exceeded_by(self, amount: Decimal) -> bool:
        """Whether approving one more request of ``amount`` goes past the count or the total."""
        return self.used_count + 1 > self.count or self.used_amount + amount > self.amount


@dataclass(frozen=True)
class AgentMonth:
    """What the month-change rule needs to know of one agent's month."""

    work_no: str
    count: int  # the agent's count of approvals for the month (base ± last change)
    approved: int  # approvals decided in the month
    total: Decimal  # their amount
    full_month: bool = True  # on the team since the month began


@dataclass(frozen=True)
class NextQuota:
    """An agent's quota for the next month and why it differs from the base."""

    work_no: str
    month: str
    count: int
    amount: Decimal
    bonus: int = 0
    excess: int = 0

    def reasons(self, base: int) -> str:
        """Return why the count differs from the base, in Chinese (empty when it does not)."""
        parts = []
        if self.bonus:
            parts.append(f"上月特批金额最少，加 {self.bonus} 次")
        if self.excess:
            parts.append(f"上月超出 {self.excess} 次，扣 {self.excess} 次")
        if base + self.bonus - self.excess < 0:
            parts.append("最少为 0 次")
        return "；".join(parts)


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    """Return the local month of an aware moment as ``YYYY-MM``."""
    return moment.astimezone(tz).strftime("%Y-%m")


def next_month(month: str) -> str:
    """Return the month after ``YYYY-MM``."""
    year, number = (int(p) for p in month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def parse_amount(text: str) -> Decimal:
    """Read a discount in 元 (``300``, ``300元``, ``¥12.5``); raise UserError otherwise."""
    match = _AMOUNT.match(text.strip())
    if not match:
        raise UserError(f"金额应为数字（元），如 300 或 300元，收到「{text.strip()}」。")
    try:
        amount = Decimal(match.group(1)).quantize(CENT)
    except InvalidOperation:
        raise UserError(f"金额「{text.strip()}」无法识别。") from None
    if amount <= 0:
        raise UserError("优惠金额应大于 0。")
    if amount > Decimal(100000):
        raise UserError(f"优惠金额 {fmt_amount(amount)} 元过大，请检查。")
    return amount


def parse_items(text: str) -> int:
    """Read a number of mattresses (``2`` or ``2张``); raise UserError otherwise."""
    match = _ITEMS.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise UserError(f"床垫数量应为正整数，如 2 或 2张，收到「{text.strip()}」。")
    return int(match.group(1))


def parse_gift(text: str, rules: DiscountRules) -> str:
    """Return which of the gifts ``text`` names (``床笠``, ``枕``, ``返现``); raise UserError."""
    word = text.strip()
    exact = [g for g in rules.gifts if g == word]
    if exact:
        return exact[0]
    partial = [g for g in rules.gifts if word and (word in g or g in word)]
    if len(partial) == 1:
        return partial[0]
    raise UserError(f"赠品只能三选一：{'、'.join(rules.gifts)}（收到「{word}」）。")


def fmt_amount(amount: Decimal) -> str:
    """Format an amount without trailing zeros: ``300``, ``12.5``."""
    text = f"{amount.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def needs_approval(items: int, amount: Decimal, rules: DiscountRules) -> bool:
    """Whether a discount goes beyond what the agent may give alone (> per_item × items)."""
    if items < 1:
        raise UserError("床垫数量应至少为 1。")
    return amount > rules.per_item * items


def check_request(items: int, amount: Decimal, rules: DiscountRules) -> None:
    """Stop a request that needs no approval, saying what the agent may do instead."""
    if needs_approval(items, amount, rules):
        return
    allowance = fmt_amount(rules.per_item * items)
    if items == 1:
        raise UserError(
            f"1 张床垫 {fmt_amount(amount)} 元在你的权限内，无需申请："
            f"可从 {'、'.join(rules.gifts)} 中三选一，用 /discount gift 记录。"
        )
    raise UserError(
        f"{items} 张床垫优惠 {fmt_amount(amount)} 元未超过每张 {fmt_amount(rules.per_item)} 元"
        f"（共 {allowance} 元），在你的权限内，无需申请。"
    )


def limits(stored: NextQuota | None, rules: DiscountRules) -> tuple[int, Decimal]:
    """Return an agent's (count, amount) for a month: the stored change, else the base."""
    if stored is None:
        return rules.monthly_count, rules.monthly_amount
    return stored.count, stored.amount


def quota(
    count: int, amount: Decimal, requests: list[Request], work_no: str, month: str, tz: ZoneInfo
) -> Quota:
    """Return one agent's quota of a month: its limits and the approvals decided in it."""
    approved = [
        r
        for r in requests
        if r.work_no == work_no and r.state is State.APPROVED and r.month(tz) == month
    ]
    pending = sum(1 for r in requests if r.work_no == work_no and r.state is State.PENDING)
    return Quota(
        count=count,
        amount=amount,
        used_count=len(approved),
        used_amount=sum((r.amount for r in approved), Decimal(0)),
        pending=pending,
    )


def decide(
    request: Request, approve: bool, lead_no: str, lead_name: str, now: datetime, current: Quota
) -> Request:
    """Return the request approved or refused; an approval past ``current`` is over quota."""
    if request.state is not State.PENDING:
        who = request.decided_by_name or request.decided_by or "组长"
        done = request.state.label.removeprefix("已")
        raise UserError(f"申请 #{request.number} 已被 {who} {done}，不能重复审批。")
    return replace(
        request,
        state=State.APPROVED if approve else State.REFUSED,
        decided_at=now,
        decided_by=lead_no,
        decided_by_name=lead_name,
        over_quota=approve and current.exceeded_by(request.amount),
    )


def next_quotas(agents: list[AgentMonth], month: str, rules: DiscountRules) -> list[NextQuota]:
    """Return every agent's quota for the month after ``month`` (see the module's rules)."""
    following = next_month(month)
    eligible = [a for a in agents if a.full_month]
    smallest = min((a.total for a in eligible), default=None)
    result = []
    for agent in agents:
        bonus = rules.bonus if agent.full_month and agent.total == smallest else 0
        excess = max(0, agent.approved - agent.count)
        result.append(
            NextQuota(
                work_no=agent.work_no,
                month=following,
                count=max(0, rules.monthly_count + bonus - excess),
                amount=rules.monthly_amount,
                bonus=bonus,
                excess=excess,
            )
        )
    return result
