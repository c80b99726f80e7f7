"""What the bot says about the KPI sheet: the lead's /kpi view and an agent's own line (pure)."""

from __future__ import annotations

from bot.domain.discounts import fmt_amount
from bot.domain.kpi import KpiRules, Row

SHORT = {
    "service": "素质",
    "refund": "退款",
    "complaints": "投诉",
    "cooperation": "配合",
    "execution": "执行",
    "attendance": "出勤",
}


def row_text(row: Row) -> str:
    """Return one agent's two lines: total, result and pay; then the parts."""
    result = "合格" if row.passed else "不合格"
    head = (
        f"{row.work_no}号 {row.name}：{row.score}/{row.total} {result} · "
        f"KPI奖金 {fmt_amount(row.bonus)} 元 · 工资 {fmt_amount(row.pay)} 元"
    )
    if row.fines:
        head += f" · 罚款 {fmt_amount(row.fines)} 元（投诉 {row.complaints} 次）"
    parts = []
    for part in row.parts:
        shown = "待录入" if part.points is None else f"{part.grade or ''}{part.points}"
        parts.append(f"{SHORT[part.key]} {shown}")
    adjust = row.added + row.deducted
    if row.adjustments:
        parts.append(f"加减 {adjust:+d}")
    return f"{head}\n  " + " · ".join(parts)


def sheet_text(month: str, rows: list[Row], rules: KpiRules, status: str) -> str:
    """Return the lead's view of a month's sheet (``status``: 已定稿 or 截至 …)."""
    if not rows:
        return f"{month} 考核表：没有客服。"
    passed = sum(1 for r in rows if r.passed)
    mark = fmt_amount(rules.pass_mark)
    lines = [
        f"📊 {month} 客服考核（满分 {rules.total}，合格线 {mark}，{status}）",
        f"合格 {passed}/{len(rows)} 人",
    ]
    lines.extend(row_text(r) for r in sorted(rows, key=lambda r: (-r.score, int(r.work_no))))
    pending = [f"{r.work_no}号 {'、'.join(r.pending)}" for r in rows if r.pending]
    if pending:
        lines.append("待录入：" + "；".join(pending))
    return "\n".join(lines)


def detail_text(row: Row) -> str:
    """Return every part of one agent's row with its basis, and each addition or deduction."""
    lines = [row_text(row).split("\n")[0]]
    for part in row.parts:
        points = "—" if part.points is None else str(part.points)
        lines.append(f"{part.label} {points}/{part.full}：{part.basis}")
    for adjustment in row.adjustments:
        lines.append(f"#{adjustment.number} {adjustment.points:+d}：{adjustment.reason}")
    return "\n".join(lines)
