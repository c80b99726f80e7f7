"""What the bot says about discounts: quota lines, the lead's card, the order's note (pure)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.discounts import (
    Gift,
    NextQuota,
    Quota,
    Request,
    State,
    fmt_amount,
)


def quota_line(q: Quota) -> str:
    """Return e.g. ``本月特批：已用 2/5 次、180/500 元，剩 3 次、320 元``."""
    line = (
        f"本月特批：已用 {q.used_count}/{q.count} 次、"
        f"{fmt_amount(q.used_amount)}/{fmt_amount(q.amount)} 元，"
        f"剩 {q.left_count} 次、{fmt_amount(q.left_amount)} 元"
    )
    if q.used_count > q.count or q.used_amount > q.amount:
        line += "（已超额）"
    if q.pending:
        line += f"；待审批 {q.pending} 件"
    return line


def request_card(request: Request, current: Quota, tz: ZoneInfo) -> str:
    """Return the lead's card of a request: order, items, amount, reason and the quota."""
    lines = [
        f"🧾 优惠特批申请 #{request.number}（{request.state.label}）",
        f"申请人：{request.work_no}号 {request.name}",
        f"订单：{request.order_no}",
        f"床垫：{request.items} 张，优惠 {fmt_amount(request.amount)} 元",
        f"理由：{request.reason}",
        f"时间：{request.asked_at.astimezone(tz):%m-%d %H:%M}",
        quota_line(current),
    ]
    if request.state is State.PENDING and current.exceeded_by(request.amount):
        lines.append("⚠️ 同意后将超出本月额度（记为超额）")
    if request.state is not State.PENDING and request.decided_at is not None:
        mark = "，超额" if request.over_quota else ""
        lines.append(
            f"审批：{request.decided_by_name} {request.decided_at.astimezone(tz):%m-%d %H:%M}"
            f" {request.state.label}{mark}"
        )
    return "\n".join(lines)


def decision_text(request: Request) -> str:
    """Return what the agent is told when the lead decides."""
    amount = fmt_amount(request.amount)
    head = f"申请 #{request.number}（订单 {request.order_no}，优惠 {amount} 元）"
    if request.state is State.APPROVED:
        mark = "，本次记为超额" if request.over_quota else ""
        return f"✅ {head}：{request.decided_by_name} 已同意{mark}。"
    return f"❌ {head}：{request.decided_by_name} 未同意，请按页面价格或权限内优惠处理。"


def approval_note(request: Request) -> str:
    """Return the note that goes on the order's remark history once the lead approved."""
    mark = "，超额" if request.over_quota else ""
    return (
        f"特批优惠{fmt_amount(request.amount)}元（{request.items}张，"
        f"{request.decided_by_name}批准{mark}）"
    )


def gift_note(gift: Gift) -> str:
    """Return the note that goes on the order's remark history for a 三选一 gift."""
    return f"赠{gift.gift}"


def next_quota_text(q: NextQuota, base: int) -> str:
    """Return the message telling an agent their quota for the new month."""
    why = q.reasons(base)
    return (
        f"📅 {q.month} 优惠特批额度：{q.count} 次、{fmt_amount(q.amount)} 元"
        + (f"（{why}）" if why else "")
        + "。"
    )


def approvals_list(month: str, requests: list[Request], labels: dict[str, str]) -> str:
    """Return the lead's list of a month's decided requests, grouped per agent."""
    by_agent: dict[str, list[Request]] = {}
    for request in requests:
        by_agent.setdefault(request.work_no, []).append(request)
    if not by_agent:
        return f"{month} 没有特批申请。"
    lines = [f"📋 {month} 优惠特批"]
    for work_no in sorted(by_agent, key=int):
        items = sorted(by_agent[work_no], key=lambda r: r.number)
        approved = [r for r in items if r.state is State.APPROVED]
        total = sum((r.amount for r in approved), Decimal(0))
        lines.append(
            f"{labels.get(work_no, work_no + '号')}：同意 {len(approved)} 次，"
            f"共 {fmt_amount(total)} 元"
        )
        for r in items:
            mark = "（超额）" if r.over_quota else ""
            lines.append(
                f"  #{r.number} {r.order_no} {r.items}张 {fmt_amount(r.amount)}元 "
                f"{r.state.label}{mark}：{r.reason}"
            )
    return "\n".join(lines)
