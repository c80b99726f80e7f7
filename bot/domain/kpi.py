"""The monthly KPI sheet (客服考核, seed 001): six parts, additions, deductions, fines, pay.

130 points: 服务素质 20, 退款率 30, 投诉/维权 20, 配合度 20, 执行力 20, 出勤率 20. The graded
parts use 优 20 / 良 15 / 中 10 / 差 0; 执行力 is derived from what the bot recorded (the share of
things done on time) unless the lead sets a grade; 出勤率 comes from check-ins. Under 70% of
the total there is no KPI bonus; otherwise bonus = 1000 × score / total. Pay = base pay of the
agent's grade + bonus. Complaint fines of a month are 50, 100, 200 (cumulative).

Decisions where the seed is silent (docs/kpi.md repeats them):
- The refund-rate scale is cut off in seed 001 after "≤5%: 30分; 5%"; the default keeps only
  what it says (≤ 5 % → 30) and gives 0 above. Teams set their own steps in [kpi].
- The score is kept within 0 … total: additions make up for deductions but cannot lift the
  bonus above the pool.
- 70 % is a pass (``score >= 0.7 × total``); compared exactly, with decimals.
- A part nobody entered yet counts 0 and is listed as pending (待录入).
- Fines past the last step repeat the last step (a fourth complaint costs 200 again).
- 执行力's rate is the mean of each kind's on-time share (deadlines, dunning, handover,
  daily reports, …), weighted by settings, so a kind with many items does not drown the
  others; kinds with nothing to count are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.domain.errors import UserError

CENT = Decimal("0.01")
SERVICE = "service"
REFUND = "refund"
COMPLAINTS = "complaints"
COOPERATION = "cooperation"
EXECUTION = "execution"
ATTENDANCE = "attendance"
PARTS = (SERVICE, REFUND, COMPLAINTS, COOPERATION, EXECUTION, ATTENDANCE)
GRADED = (SERVICE, COMPLAINTS, COOPERATION, EXECUTION)
LABELS = {
    SERVICE: "服务素质",
    REFUND: "退款率",
    COMPLAINTS: "投诉/维权",
    COOPERATION: "配合度",
    EXECUTION: "执行力",
    ATTENDANCE: "出勤率",
}
# Words a lead may type for a part (besides its label).
PART_WORDS = {
    SERVICE: ("服务素质", "服务", "素质", "service"),
    REFUND: ("退款率", "退款", "refund"),
    COMPLAINTS: ("投诉/维权", "投诉维权", "维权", "纠纷", "complaints"),
    COOPERATION: ("配合度", "配合", "cooperation"),
    EXECUTION: ("执行力", "执行", "execution"),
}
_RATE = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)\s*%?$")


@dataclass(frozen=True)
class AdjustmentKind:
    """A kind of addition or deduction the lead enters, with its allowed points (signed)."""

    key: str
    label: str
    low: int
    high: int

    def points(self, typed: int | None) -> int:
        """Return the signed points for what the lead typed (None: the kind's only value)."""
        if typed is None:
            if self.low != self.high:
                raise UserError(f"{self.label}需写分数（{_span(self)}）。")
            return self.low
        signed = -abs(typed) if self.high < 0 else abs(typed)
        if not self.low <= signed <= self.high:
            raise UserError(f"{self.label}的分数应为 {_span(self)}，收到 {typed}。")
        return signed


def _span(kind: AdjustmentKind) -> str:
    if kind.low == kind.high:
        return f"{kind.low:+d} 分"
    return f"{kind.low:+d} 至 {kind.high:+d} 分"


DEFAULT_ADJUSTMENTS = (
    AdjustmentKind("low_review", "低质评价", -5, -5),
    AdjustmentKind("complaint", "客户投诉", -20, -5),
    AdjustmentKind("praise", "客户表扬", 2, 2),
    AdjustmentKind("outstanding", "表现突出", 2, 5),
)


@dataclass(frozen=True)
class KpiRules:
    """The numbers of the KPI sheet (settings [kpi] and [checkin.kpi]; seed 001 defaults)."""

    grades: tuple[tuple[str, int], ...] = (("优", 20), ("良", 15), ("中", 10), ("差", 0))
    refund_points: int = 30
    refund_tiers: tuple[tuple[Decimal, int], ...] = ((Decimal(5), 30),)  # rate ≤ % → points
    attendance_points: int = 20
    late_cost: int = 5
    leave_cost: int = 5
    absence_cost: int = 10
    # 执行力: on-time share (%) at or above which each grade is given; below all: the last grade
    execution_steps: tuple[tuple[Decimal, str], ...] = (
        (Decimal(95), "优"),
        (Decimal(85), "良"),
        (Decimal(70), "中"),
    )
    execution_weights: dict[str, Decimal] = field(default_factory=dict)  # kind → weight (1)
    adjustments: tuple[AdjustmentKind, ...] = DEFAULT_ADJUSTMENTS
    fines: tuple[Decimal, ...] = (Decimal(50), Decimal(100), Decimal(200))
    fined_kind: str = "complaint"
    pass_ratio: Decimal = Decimal("0.7")
    bonus_pool: Decimal = Decimal(1000)
    base_pay: tuple[tuple[str, Decimal], ...] = (
        ("普通客服", Decimal(2000)),
        ("高级客服", Decimal(2500)),
        ("组长", Decimal(3000)),
    )
    pay_grades: dict[str, str] = field(default_factory=dict)  # 工号 → pay grade

    @property
    def grade_max(self) -> int:
        """Return the points of the best grade (a graded part's full score)."""
        return max(points for _, points in self.grades)

    @property
    def total(self) -> int:
        """Return the sheet's full score (130 with the seed values)."""
        return len(GRADED) * self.grade_max + self.refund_points + self.attendance_points

    @property
    def pass_mark(self) -> Decimal:
        """Return the lowest passing score (70 % of the total: 91)."""
        return self.pass_ratio * self.total

    def adjustment(self, key: str) -> AdjustmentKind:
        """Return an adjustment kind by key or label; raise UserError."""
        for kind in self.adjustments:
            if key in (kind.key, kind.label):
                return kind
        names = "、".join(k.label for k in self.adjustments)
        raise UserError(f"未知的加减分项「{key}」，可选：{names}。")

    def pay_grade(self, work_no: str) -> str:
        """Return the agent's pay grade (the first one listed unless settings name another)."""
        return self.pay_grades.get(work_no, self.base_pay[0][0])


@dataclass(frozen=True)
class Figure:
    """One kind of thing the bot watched for an agent: how many were done on time."""

    key: str  # deadlines, dunning, handover, daily_report, ...
    label: str
    on_time: int
    total: int

    @property
    def rate(self) -> Decimal | None:
        """Return the on-time share in percent (None when there was nothing to do)."""
        return Decimal(self.on_time) * 100 / self.total if self.total else None


@dataclass(frozen=True)
class Attendance:
    """An agent's month of check-ins as the KPI counts it."""

    late: int = 0
    leave: int = 0
    absent: int = 0


@dataclass(frozen=True)
class Adjustment:
    """An addition or deduction the lead entered, with its reason."""

    kind: str
    points: int
    reason: str
    number: int = 0


@dataclass(frozen=True)
class Entries:
    """What the lead entered for one agent in one month."""

    grades: dict[str, str] = field(default_factory=dict)  # part → grade
    refund_rate: Decimal | None = None  # percent
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class AgentInputs:
    """Everything the sheet needs of one agent's month."""

    work_no: str
    name: str
    attendance: Attendance | None = None  # None: not on the roster this month
    figures: tuple[Figure, ...] = ()
    entries: Entries = field(default_factory=Entries)


@dataclass(frozen=True)
class Part:
    """One of the six parts as scored: points (None = not entered yet) and the basis."""

    key: str
    points: int | None
    full: int
    basis: str
    grade: str | None = None

    @property
    def label(self) -> str:
        """Return the Chinese name of the part."""
        return LABELS[self.key]


@dataclass(frozen=True)
class Row:
    """One agent's line of the sheet."""

    work_no: str
    name: str
    parts: tuple[Part, ...]
    adjustments: tuple[Adjustment, ...]
    score: int
    total: int
    passed: bool
    bonus: Decimal
    pay_grade: str
    base_pay: Decimal
    complaints: int
    fines: Decimal
    execution_rate: Decimal | None = None
    refund_rate: Decimal | None = None
    attendance: Attendance | None = None

    @property
    def pay(self) -> Decimal:
        """Return base pay plus KPI bonus (seed: 客服工资=基本工资+KPI考核奖金)."""
        return self.base_pay + self.bonus

    @property
    def pending(self) -> tuple[str, ...]:
        """Return the labels of the parts nobody entered yet."""
        return tuple(p.label for p in self.parts if p.points is None)

    @property
    def added(self) -> int:
        """Return the sum of additions."""
        return sum(a.points for a in self.adjustments if a.points > 0)

    @property
    def deducted(self) -> int:
        """Return the sum of deductions (a negative number or 0)."""
        return sum(a.points for a in self.adjustments if a.points < 0)

    def part(self, key: str) -> Part:
        """Return one part by key."""
        return next(p for p in self.parts if p.key == key)


def parse_part(text: str) -> str:
    """Return the part a lead's word names (服务, 退款率, 配合 …); raise UserError."""
    word = text.strip().lower()
    for key, words in PART_WORDS.items():
        if word in words:
            return key
    names = "、".join(LABELS[k] for k in PART_WORDS)
    raise UserError(f"未知考核项「{text.strip()}」，可录入：{names}（出勤率由挂号记录计算）。")


def parse_grade(text: str, rules: KpiRules) -> str:
    """Return the grade ``text`` names (优/良/中/差, or 优秀/良好/中等); raise UserError."""
    word = text.strip()
    for grade, _ in rules.grades:
        if word == grade or (len(word) == 2 and word.startswith(grade) and word[1] in "秀好等"):
            return grade
    names = "/".join(g for g, _ in rules.grades)
    raise UserError(f"等级应为 {names}，收到「{word}」。")


def parse_rate(text: str) -> Decimal:
    """Read a refund rate in percent (``3.2``, ``3.2%``); raise UserError."""
    match = _RATE.match(text.strip().replace("％", "%"))
    try:
        rate = Decimal(match.group(1)) if match else None
    except InvalidOperation:
        rate = None
    if rate is None or rate > 100:
        raise UserError(f"退款率应为 0–100 的百分数，如 3.2%，收到「{text.strip()}」。")
    return rate


def grade_points(grade: str, rules: KpiRules) -> int:
    """Return the points of a grade; raise UserError for an unknown one."""
    for name, points in rules.grades:
        if name == grade:
            return points
    raise UserError(f"未知等级「{grade}」。")


def refund_points(rate: Decimal, rules: KpiRules) -> int:
    """Return the refund-rate points: the first step whose ceiling the rate does not pass."""
    for ceiling, points in rules.refund_tiers:
        if rate <= ceiling:
            return points
    return 0


def attendance_points(attendance: Attendance, rules: KpiRules) -> int:
    """Return the attendance points: full minus each late, leave and absence, at least 0."""
    lost = (
        attendance.late * rules.late_cost
        + attendance.leave * rules.leave_cost
        + attendance.absent * rules.absence_cost
    )
    return max(0, rules.attendance_points - lost)


def execution_rate(figures: tuple[Figure, ...], rules: KpiRules) -> Decimal | None:
    """Return the weighted mean on-time share (%) over kinds with something to count."""
    weighted = [
        (rules.execution_weights.get(f.key, Decimal(1)), f.rate)
        for f in figures
        if f.rate is not None
    ]
    weight = sum((w for w, _ in weighted), Decimal(0))
    if not weighted or weight == 0:
        return None
    return sum((w * r for w, r in weighted if r is not None), Decimal(0)) / weight


def execution_grade(rate: Decimal, rules: KpiRules) -> str:
    """Return the grade an on-time share earns under the settings' steps."""
    for floor, grade in rules.execution_steps:
        if rate >= floor:
            return grade
    return rules.grades[-1][0]


def complaint_fines(count: int, rules: KpiRules) -> Decimal:
    """Return the month's fines for ``count`` complaints: 50, then 100, then 200, added up."""
    if not rules.fines:
        return Decimal(0)
    steps = [rules.fines[min(i, len(rules.fines) - 1)] for i in range(count)]
    return sum(steps, Decimal(0))


def bonus(score: int, rules: KpiRules) -> Decimal:
    """Return the KPI bonus: pool × score / total, rounded to the fen; 0 under the pass mark."""
    if score < rules.pass_mark:
        return Decimal(0)
    return (rules.bonus_pool * score / rules.total).quantize(CENT, ROUND_HALF_UP)


def fmt_rate(rate: Decimal) -> str:
    """Format a percentage with at most one decimal: ``90%``, ``87.5%``."""
    text = f"{rate.quantize(Decimal('0.1'), ROUND_HALF_UP):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def score(inputs: AgentInputs, rules: KpiRules) -> Row:
    """Return one agent's row of the sheet."""
    entries = inputs.entries
    parts = (
        _graded(SERVICE, entries, rules),
        _refund(entries.refund_rate, rules),
        _graded(COMPLAINTS, entries, rules),
        _graded(COOPERATION, entries, rules),
        _execution(inputs, rules),
        _attendance(inputs.attendance, rules),
    )
    raw = sum(p.points or 0 for p in parts) + sum(a.points for a in entries.adjustments)
    final = min(rules.total, max(0, raw))
    complaints = sum(1 for a in entries.adjustments if a.kind == rules.fined_kind)
    pay_grade = rules.pay_grade(inputs.work_no)
    return Row(
        work_no=inputs.work_no,
        name=inputs.name,
        parts=parts,
        adjustments=entries.adjustments,
        score=final,
        total=rules.total,
        passed=final >= rules.pass_mark,
        bonus=bonus(final, rules),
        pay_grade=pay_grade,
        base_pay=dict(rules.base_pay).get(pay_grade, Decimal(0)),
        complaints=complaints,
        fines=complaint_fines(complaints, rules),
        execution_rate=execution_rate(inputs.figures, rules),
        refund_rate=entries.refund_rate,
        attendance=inputs.attendance,
    )


def _graded(key: str, entries: Entries, rules: KpiRules) -> Part:
    grade = entries.grades.get(key)
    if grade is None:
        return Part(key, None, rules.grade_max, "待录入")
    return Part(key, grade_points(grade, rules), rules.grade_max, f"组长评定：{grade}", grade)


def _refund(rate: Decimal | None, rules: KpiRules) -> Part:
    if rate is None:
        return Part(REFUND, None, rules.refund_points, "待录入")
    return Part(
        REFUND, refund_points(rate, rules), rules.refund_points, f"退款率 {fmt_rate(rate)}"
    )


def _execution(inputs: AgentInputs, rules: KpiRules) -> Part:
    rate = execution_rate(inputs.figures, rules)
    shown = "，".join(f"{f.label} {f.on_time}/{f.total}" for f in inputs.figures if f.total)
    derived = execution_grade(rate, rules) if rate is not None else None
    record = f"按时 {fmt_rate(rate)}（{shown}）→ {derived}" if rate is not None else "无记录"
    chosen = inputs.entries.grades.get(EXECUTION)
    if chosen:
        basis = f"组长评定：{chosen}；记录：{record}"
        return Part(EXECUTION, grade_points(chosen, rules), rules.grade_max, basis, chosen)
    if derived is None:
        return Part(EXECUTION, None, rules.grade_max, "无记录，待组长评定")
    return Part(EXECUTION, grade_points(derived, rules), rules.grade_max, record, derived)


def _attendance(attendance: Attendance | None, rules: KpiRules) -> Part:
    if attendance is None:
        return Part(ATTENDANCE, None, rules.attendance_points, "本月无排班记录")
    basis = f"迟到 {attendance.late}，请假 {attendance.leave}，缺勤 {attendance.absent}"
    return Part(ATTENDANCE, attendance_points(attendance, rules), rules.attendance_points, basis)
