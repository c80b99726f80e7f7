"""The KPI arithmetic (seed 001) at each boundary: parts, pass mark, bonus, fines, pay."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.errors import UserError
from bot.domain.kpi import (
    ATTENDANCE,
    EXECUTION,
    REFUND,
    Adjustment,
    AgentInputs,
    Attendance,
    Entries,
    Figure,
    KpiRules,
    attendance_points,
    bonus,
    complaint_fines,
    execution_grade,
    execution_rate,
    parse_grade,
    parse_part,
    parse_rate,
    refund_points,
    score,
)
from bot.domain.kpi_text import detail_text, sheet_text

RULES = KpiRules()
D = Decimal
ALL_GOOD = {"service": "优", "complaints": "优", "cooperation": "优", "execution": "优"}


def inputs(
    grades: dict[str, str] | None = None,
    refund: str | None = "3",
    attendance: Attendance | None = None,
    adjustments: tuple[Adjustment, ...] = (),
    figures: tuple[Figure, ...] = (),
    work_no: str = "1",
) -> AgentInputs:
    return AgentInputs(
        work_no=work_no,
        name="张三",
        attendance=attendance if attendance is not None else Attendance(),
        figures=figures,
        entries=Entries(
            grades=dict(ALL_GOOD if grades is None else grades),
            refund_rate=D(refund) if refund is not None else None,
            adjustments=adjustments,
        ),
    )


def test_the_seed_sheet_is_130_points_with_a_pass_mark_of_91() -> None:
    assert RULES.total == 130 and RULES.pass_mark == 91


@pytest.mark.parametrize(
    ("rate", "points"),
    [("0", 30), ("4.99", 30), ("5", 30), ("5.01", 0), ("100", 0)],
)
def test_a_refund_rate_up_to_five_percent_earns_the_full_30(rate: str, points: int) -> None:
    assert refund_points(D(rate), RULES) == points


def test_the_refund_scale_takes_the_teams_steps() -> None:
    rules = KpiRules(refund_tiers=((D(5), 30), (D(8), 20), (D(10), 10)))
    got = [refund_points(D(r), rules) for r in ("5", "5.5", "8", "9.9", "10", "10.1")]
    assert got == [30, 20, 20, 10, 10, 0]


@pytest.mark.parametrize(
    ("attendance", "points"),
    [
        (Attendance(), 20),
        (Attendance(late=1), 15),
        (Attendance(leave=1), 15),
        (Attendance(absent=1), 10),
        (Attendance(late=1, leave=1, absent=1), 0),
        (Attendance(absent=3), 0),  # never below 0
    ],
)
def test_attendance_loses_5_per_late_or_leave_and_10_per_absence(
    attendance: Attendance, points: int
) -> None:
    assert attendance_points(attendance, RULES) == points


@pytest.mark.parametrize(
    ("rate", "grade"),
    [("100", "优"), ("95", "优"), ("94.9", "良"), ("85", "良"), ("84.9", "中"), ("70", "中"),
     ("69.9", "差"), ("0", "差")],
)  # fmt: skip
def test_execution_grades_follow_the_on_time_share(rate: str, grade: str) -> None:
    assert execution_grade(D(rate), RULES) == grade


def test_the_execution_rate_is_the_mean_of_each_kinds_share() -> None:
    figures = (
        Figure("deadlines", "时效", 90, 100),  # 90 %
        Figure("dunning", "催付", 10, 10),  # 100 %
        Figure("handover", "交接", 0, 0),  # nothing to count: left out
    )
    assert execution_rate(figures, RULES) == 95
    weighted = KpiRules(execution_weights={"deadlines": D(3)})
    assert execution_rate(figures, weighted) == D("92.5")
    assert execution_rate((Figure("handover", "交接", 0, 0),), RULES) is None


def test_the_bots_record_sets_execution_and_the_lead_may_override_it() -> None:
    figures = (Figure("deadlines", "时效", 17, 20),)  # 85 % → 良
    derived = score(inputs(grades={}, figures=figures), RULES).part(EXECUTION)
    assert (derived.points, derived.grade) == (15, "良")
    assert derived.basis == "按时 85%（时效 17/20）→ 良"
    chosen = score(inputs(grades={"execution": "优"}, figures=figures), RULES).part(EXECUTION)
    assert (chosen.points, chosen.basis) == (20, "组长评定：优；记录：按时 85%（时效 17/20）→ 良")


@pytest.mark.parametrize(
    ("count", "fines"),
    [(0, 0), (1, 50), (2, 150), (3, 350), (4, 550)],
)
def test_complaint_fines_add_up_50_100_200_and_repeat_the_last(count: int, fines: int) -> None:
    assert complaint_fines(count, RULES) == fines


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (130, D("1000.00")),
        (91, D("700.00")),  # exactly 70 %: a pass
        (90, D(0)),  # under the pass mark: no bonus
        (100, D("769.23")),  # 1000 × 100 / 130, to the fen
        (0, D(0)),
    ],
)
def test_the_bonus_is_1000_times_score_over_130_and_nothing_under_70_percent(
    points: int, expected: Decimal
) -> None:
    assert bonus(points, RULES) == expected


def deduct(*points: int) -> tuple[Adjustment, ...]:
    kinds = {-5: "low_review", 2: "praise"}
    return tuple(Adjustment(kinds.get(p, "complaint"), p, "原因") for p in points)


@pytest.mark.parametrize(
    ("adjustments", "score_", "passed", "bonus_"),
    [
        ((), 130, True, D("1000.00")),
        (deduct(-20, -19), 91, True, D("700.00")),  # 70 % exactly
        (deduct(-20, -20), 90, False, D(0)),  # one point under
        (deduct(2, 2), 130, True, D("1000.00")),  # additions never pass the total
        (deduct(-20, -20, -20, -20, -20, -20, -20), 0, False, D(0)),  # never below 0
    ],
)
def test_the_total_and_the_pass_mark(
    adjustments: tuple[Adjustment, ...], score_: int, passed: bool, bonus_: Decimal
) -> None:
    row = score(inputs(adjustments=adjustments), RULES)
    assert (row.score, row.passed, row.bonus) == (score_, passed, bonus_)


def test_a_pass_mark_that_decimals_would_blur_is_exact() -> None:
    # 0.7 × 130 in binary floating point is 90.99999999999999: 91 must pass and 90 fail
    assert bonus(91, RULES) > 0 and bonus(90, RULES) == 0
    rules = KpiRules(pass_ratio=D("0.6"))
    assert rules.pass_mark == 78 and bonus(78, rules) > 0 and bonus(77, rules) == 0


def test_a_refund_rate_just_over_five_percent_can_cost_the_pass() -> None:
    at_five = score(inputs(refund="5", adjustments=deduct(-20, -19)), RULES)
    over = score(inputs(refund="5.01", adjustments=deduct(-5)), RULES)
    assert (at_five.score, at_five.passed) == (91, True)
    assert (over.score, over.passed) == (95, True)
    worse = score(inputs(refund="5.01", adjustments=deduct(-5, -5)), RULES)
    assert (worse.score, worse.passed, worse.bonus) == (90, False, D(0))


def test_a_row_shows_parts_pending_pay_and_fines() -> None:
    row = score(
        inputs(
            grades={"service": "良"},
            refund=None,
            attendance=Attendance(late=1),
            adjustments=(
                Adjustment("complaint", -10, "态度差被投诉"),
                Adjustment("complaint", -5, "回复慢"),
                Adjustment("praise", 2, "买家好评点名表扬"),
            ),
            work_no="2",
        ),
        KpiRules(pay_grades={"2": "高级客服"}),
    )
    assert row.pending == ("退款率", "投诉/维权", "配合度", "执行力")
    assert row.part(REFUND).basis == "待录入" and row.part(ATTENDANCE).points == 15
    assert row.score == 15 + 15 - 10 - 5 + 2
    assert (row.added, row.deducted) == (2, -15)
    assert (row.complaints, row.fines) == (2, D(150))
    assert (row.pay_grade, row.base_pay, row.bonus, row.pay) == ("高级客服", 2500, 0, 2500)


def test_a_full_score_earns_base_pay_plus_1000() -> None:
    row = score(inputs(), RULES)
    assert (row.pay_grade, row.pay) == ("普通客服", D("3000.00"))


@pytest.mark.parametrize(
    ("kind", "typed", "points"),
    [
        ("low_review", None, -5),
        ("客户投诉", 5, -5),
        ("客户投诉", 20, -20),
        ("客户投诉", -12, -12),
        ("客户表扬", None, 2),
        ("表现突出", 5, 5),
    ],
)
def test_adjustments_take_their_sign_and_stay_in_the_seed_range(
    kind: str, typed: int | None, points: int
) -> None:
    assert RULES.adjustment(kind).points(typed) == points


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        ("客户投诉", 25, "-20 至 -5 分"),
        ("客户投诉", 4, "-20 至 -5 分"),
        ("客户投诉", None, "需写分数"),
        ("表现突出", 6, "+2 至 +5 分"),
        ("低质评价", 10, "-5 分"),
    ],
)
def test_an_adjustment_outside_its_range_is_refused(
    kind: str, typed: int | None, message: str
) -> None:
    with pytest.raises(UserError) as err:
        RULES.adjustment(kind).points(typed)
    assert message in str(err.value)


def test_lead_input_words_are_understood_and_bad_ones_refused() -> None:
    assert parse_part("配合") == "cooperation" and parse_part("投诉维权") == "complaints"
    assert parse_grade("优秀", RULES) == "优" and parse_grade("中", RULES) == "中"
    assert parse_rate("3.2%") == D("3.2") and parse_rate("5％") == D(5)
    with pytest.raises(UserError, match="出勤率由挂号记录计算"):
        parse_part("出勤")
    with pytest.raises(UserError, match="优/良/中/差"):
        parse_grade("A", RULES)
    with pytest.raises(UserError, match="0–100"):
        parse_rate("120%")
    with pytest.raises(UserError):
        RULES.adjustment("迟到")


def test_the_leads_view_lists_agents_best_first_with_pay_and_what_is_pending() -> None:
    good = score(inputs(adjustments=(Adjustment("complaint", -5, "回复慢", 3),)), RULES)
    empty = score(inputs(grades={}, refund=None, work_no="2"), RULES)
    text = sheet_text("2026-11", [empty, good], RULES, "截至 11-23 10:00")
    assert text.splitlines()[:4] == [
        "📊 2026-11 客服考核（满分 130，合格线 91，截至 11-23 10:00）",
        "合格 1/2 人",
        "1号 张三：125/130 合格 · KPI奖金 961.54 元 · 工资 2961.54 元 · 罚款 50 元（投诉 1 次）",
        "  素质 优20 · 退款 30 · 投诉 优20 · 配合 优20 · 执行 优20 · 出勤 20 · 加减 -5",
    ]
    assert text.endswith("待录入：2号 服务素质、退款率、投诉/维权、配合度、执行力")


def test_an_agents_detail_shows_the_basis_of_every_part() -> None:
    row = score(inputs(grades={}, figures=(Figure("dunning", "催付", 9, 10),)), RULES)
    assert detail_text(row).splitlines()[1:] == [
        "服务素质 —/20：待录入",
        "退款率 30/30：退款率 3%",
        "投诉/维权 —/20：待录入",
        "配合度 —/20：待录入",
        "执行力 15/20：按时 90%（催付 9/10）→ 良",
        "出勤率 20/20：迟到 0，请假 0，缺勤 0",
    ]
