"""Discount authority (seed 004): what needs the lead, the monthly quota, the month's turn."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.discount_text import (
    approval_note,
    approvals_list,
    decision_text,
    gift_note,
    next_quota_text,
    quota_line,
    request_card,
)
from bot.domain.discounts import (
    AgentMonth,
    DiscountRules,
    Gift,
    Quota,
    Request,
    State,
    check_request,
    decide,
    needs_approval,
    next_month,
    next_quotas,
    parse_amount,
    parse_gift,
    parse_items,
    quota,
)
from bot.domain.errors import UserError

TZ = ZoneInfo("Asia/Shanghai")
RULES = DiscountRules()
D = Decimal


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def request(number: int = 1, amount: int = 200, work_no: str = "1", **changes: object) -> Request:
    base = Request(
        number=number,
        order_no="3659284710562839471",
        work_no=work_no,
        name="张三",
        items=2,
        amount=D(amount),
        reason="老客户回购",
        asked_at=at("2026-11-23 10:00"),
    )
    return Request(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("items", "amount", "needed"),
    [
        (1, 50, False),  # 50 元返现 on one mattress is one of the three gifts
        (1, 51, True),
        (2, 100, False),  # 50 per mattress
        (2, 101, True),
        (3, 150, False),
        (3, D("150.01"), True),
    ],
)
def test_only_more_than_fifty_yuan_a_mattress_needs_the_lead(
    items: int, amount: int | Decimal, needed: bool
) -> None:
    assert needs_approval(items, D(amount), RULES) is needed


def test_a_request_within_the_agents_authority_is_refused_with_what_to_do() -> None:
    with pytest.raises(UserError, match="三选一"):
        check_request(1, D(30), RULES)
    with pytest.raises(UserError, match="无需申请"):
        check_request(2, D(80), RULES)
    check_request(2, D(120), RULES)


@pytest.mark.parametrize(
    ("typed", "gift"),
    [("床笠", "床笠"), ("记忆枕", "记忆枕"), ("枕", "记忆枕"), ("返现", "50元返现")],
)
def test_the_gift_is_one_of_three(typed: str, gift: str) -> None:
    assert parse_gift(typed, RULES) == gift


@pytest.mark.parametrize("typed", ["抱枕套装", "", "床笠和记忆枕"])
def test_anything_but_one_of_the_three_gifts_is_refused(typed: str) -> None:
    with pytest.raises(UserError, match="三选一"):
        parse_gift(typed, RULES)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("300", D(300)), ("300元", D(300)), ("¥12.5", D("12.50")), ("80块", D(80))],
)
def test_amounts_are_read_in_yuan(typed: str, amount: Decimal) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["0", "-5", "三百", "12.345", "1000000"])
def test_a_bad_amount_is_refused(typed: str) -> None:
    with pytest.raises(UserError):
        parse_amount(typed)


def test_items_accept_a_measure_word_and_refuse_zero() -> None:
    assert parse_items("2张") == 2
    with pytest.raises(UserError):
        parse_items("0")


def test_the_quota_counts_approvals_decided_in_the_month_only() -> None:
    requests = [
        request(1, 200, state=State.APPROVED, decided_at=at("2026-11-02 09:00")),
        request(2, 100, state=State.APPROVED, decided_at=at("2026-11-30 23:59")),
        # asked in November, approved after midnight: counts in December
        request(3, 50, state=State.APPROVED, decided_at=at("2026-12-01 00:01")),
        request(4, 300, state=State.REFUSED, decided_at=at("2026-11-05 09:00")),
        request(5, 80),
        request(6, 90, work_no="2", state=State.APPROVED, decided_at=at("2026-11-05 09:00")),
    ]
    q = quota(5, D(500), requests, "1", "2026-11", TZ)
    assert (q.used_count, q.used_amount, q.pending) == (2, D(300), 1)
    assert (q.left_count, q.left_amount) == (3, D(200))
    assert quota_line(q) == "本月特批：已用 2/5 次、300/500 元，剩 3 次、200 元；待审批 1 件"


@pytest.mark.parametrize(
    ("used_count", "used_amount", "amount", "over"),
    [
        (4, 300, 200, False),  # fifth approval, exactly 500 元
        (4, 300, D("200.01"), True),  # the total goes past 500
        (5, 100, 10, True),  # a sixth approval
        (0, 0, 501, True),
    ],
)
def test_an_approval_past_the_count_or_the_total_is_marked_over_quota(
    used_count: int, used_amount: int, amount: int | Decimal, over: bool
) -> None:
    current = Quota(count=5, amount=D(500), used_count=used_count, used_amount=D(used_amount))
    decided = decide(request(amount=amount), True, "80", "李组长", at("2026-11-23 11:00"), current)
    assert decided.state is State.APPROVED and decided.over_quota is over
    assert decided.month(TZ) == "2026-11"


def test_a_refusal_is_never_over_quota_and_cannot_be_decided_twice() -> None:
    full = Quota(count=5, amount=D(500), used_count=5, used_amount=D(500))
    refused = decide(request(), False, "80", "李组长", at("2026-11-23 11:00"), full)
    assert refused.state is State.REFUSED and not refused.over_quota
    with pytest.raises(UserError, match="已被 李组长 拒绝"):
        decide(refused, True, "90", "周主管", at("2026-11-23 11:05"), full)


def test_the_leads_card_shows_the_quota_left_and_warns_before_an_over_quota_approval() -> None:
    current = Quota(count=5, amount=D(500), used_count=5, used_amount=D(420))
    card = request_card(request(amount=150), current, TZ)
    assert "床垫：2 张，优惠 150 元" in card and "剩 0 次、80 元" in card
    assert "同意后将超出本月额度" in card


def test_the_order_note_names_the_approving_lead_and_an_over_quota_mark() -> None:
    current = Quota(count=5, amount=D(500), used_count=5)
    approved = decide(request(), True, "80", "李组长", at("2026-11-23 11:00"), current)
    assert approval_note(approved) == "特批优惠200元（2张，李组长批准，超额）"


def test_the_leads_list_groups_a_months_requests_per_agent() -> None:
    decided = at("2026-11-23 11:00")
    text = approvals_list(
        "2026-11",
        [
            request(1, 200, state=State.APPROVED, decided_at=decided, over_quota=True),
            request(2, 120, work_no="2", state=State.REFUSED, decided_at=decided),
        ],
        {"1": "1号 张三", "2": "2号 李四"},
    )
    assert "1号 张三：同意 1 次，共 200 元" in text and "（超额）" in text
    assert "2号 李四：同意 0 次，共 0 元" in text


def test_the_month_after_december_is_january() -> None:
    assert next_month("2026-12") == "2027-01" and next_month("2026-01") == "2026-02"


def month(
    work_no: str, total: int, approved: int = 1, count: int = 5, full: bool = True
) -> AgentMonth:
    return AgentMonth(work_no, count, approved, D(total), full)


@pytest.mark.parametrize(
    ("agents", "expected"),
    [
        # the smallest special total gets 2 more approvals; the others the base
        ([month("1", 100), month("2", 300), month("3", 500)], {"1": 7, "2": 5, "3": 5}),
        # an agent who asked for nothing has the smallest total (0)
        ([month("1", 0, 0), month("2", 300)], {"1": 7, "2": 5}),
        # ties: everyone tied at the smallest total gets the bonus
        ([month("1", 100), month("2", 100), month("3", 400)], {"1": 7, "2": 7, "3": 5}),
        ([month("1", 0, 0), month("2", 0, 0)], {"1": 7, "2": 7}),
        # past 5: the excess comes off next month's count
        ([month("1", 100), month("2", 900, approved=7)], {"1": 7, "2": 3}),
        # the excess counts against the agent's own count of the month (7 after a bonus)
        ([month("1", 100), month("2", 600, approved=7, count=7)], {"1": 7, "2": 5}),
        ([month("1", 100), month("2", 800, approved=8, count=7)], {"1": 7, "2": 4}),
        # never below 0, and the rest of a huge excess is not carried further
        ([month("1", 100), month("2", 2000, approved=12)], {"1": 7, "2": 0}),
        # joined mid-month: full quota but no bonus; the bonus goes to the smallest full month
        (
            [month("1", 0, 0, full=False), month("2", 200), month("3", 300)],
            {"1": 5, "2": 7, "3": 5},
        ),
        # ... even when the newcomer's total equals the smallest full month's
        (
            [month("1", 200, full=False), month("2", 200), month("3", 300)],
            {"1": 5, "2": 7, "3": 5},
        ),
        # joined mid-month and went past 5: the excess is taken off all the same
        ([month("1", 700, approved=6, full=False), month("2", 200)], {"1": 4, "2": 7}),
        # only newcomers: nobody competes, nobody gets the bonus
        ([month("1", 0, 0, full=False)], {"1": 5}),
        # smallest total and past the count at once: both apply
        ([month("1", 60, approved=6), month("2", 900)], {"1": 6, "2": 5}),
    ],
)
def test_the_quota_at_month_change(agents: list[AgentMonth], expected: dict[str, int]) -> None:
    result = next_quotas(agents, "2026-11", RULES)
    assert {q.work_no: q.count for q in result} == expected
    assert all(q.month == "2026-12" and q.amount == D(500) for q in result)


def test_the_month_change_message_says_why_the_count_changed() -> None:
    bonus, excess, floor = next_quotas(
        [month("1", 0, 0), month("2", 900, approved=7), month("3", 3000, approved=14)],
        "2026-11",
        RULES,
    )
    assert bonus.reasons(5) == "上月特批金额最少，加 2 次"
    assert excess.reasons(5) == "上月超出 2 次，扣 2 次"
    assert floor.reasons(5) == "上月超出 9 次，扣 9 次；最少为 0 次"


def test_changed_numbers_in_the_rules_change_the_month_change() -> None:
    rules = DiscountRules(monthly_count=3, bonus=1, monthly_amount=D(300))
    result = next_quotas(
        [month("1", 10, count=3), month("2", 500, approved=4, count=3)], "2026-11", rules
    )
    assert [(q.count, q.amount) for q in result] == [(4, D(300)), (2, D(300))]


def test_moments_are_counted_in_the_teams_month_not_utc() -> None:
    # 2026-11-30 17:30 UTC is 2026-12-01 01:30 in Shanghai
    decided = request(state=State.APPROVED, decided_at=datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    assert decided.month(TZ) == "2026-12"


def test_the_agent_hears_the_decision_and_the_new_months_quota() -> None:
    current = Quota(count=5, amount=D(500), used_count=5)
    approved = decide(request(), True, "80", "李组长", at("2026-11-23 11:00"), current)
    refused = decide(request(), False, "80", "李组长", at("2026-11-23 11:00"), current)
    assert decision_text(approved) == (
        "✅ 申请 #1（订单 3659284710562839471，优惠 200 元）：李组长 已同意，本次记为超额。"
    )
    assert decision_text(refused).startswith("❌ 申请 #1") and "未同意" in decision_text(refused)
    bonus = next_quotas([month("1", 0, 0), month("2", 300)], "2026-11", RULES)[0]
    assert next_quota_text(bonus, 5) == (
        "📅 2026-12 优惠特批额度：7 次、500 元（上月特批金额最少，加 2 次）。"
    )
    gift = Gift("3659284710562839471", "1", "张三", "记忆枕", at("2026-11-23 10:00"))
    assert gift_note(gift) == "赠记忆枕"
