"""The dunning outcome: a chase meets the deadline; the payment is counted separately."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config.deadlines import GIVEN_UP_WORDS
from bot.domain.deadline_item import (
    DUNNING,
    Attempt,
    Closing,
    DeadlineItem,
    awaits_action,
    chase_met,
    chased,
    ends_order,
)
from bot.domain.deadlines import ESCALATE, OVERDUE, WARN, Rung, first_rung, skipped_overdue
from bot.domain.dunning_rate import tally

TZ = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 10, 30, tzinfo=TZ)


def item(chases: list[tuple[int, int]], status: str | None = None) -> DeadlineItem:
    """Return a dunning item due at 10:30, chased (minutes after due, agent) and maybe closed."""
    made = DeadlineItem(DUNNING, "3391827740", "dunning", 1, 1, DUE, DUE, DUE)
    made.attempts = [Attempt(DUE + timedelta(minutes=m), by, "已电话") for m, by in chases]
    if status is not None:
        made.closing = Closing(status, DUE + timedelta(hours=3), 1)
    return made


# (chases as (minutes after due, agent), chased, met the deadline, still asks to act)
CHASE_TABLE = [
    ([], False, None, True),
    ([(-30, 1)], True, True, False),
    ([(0, 1)], True, True, False),  # at 10:30 sharp: on time
    ([(1, 1)], True, False, False),  # 10:31: late, but done
    ([(-30, 1), (90, 2)], True, True, False),  # the first chase decides
]


@pytest.mark.parametrize(("chases", "is_chased", "met", "acts"), CHASE_TABLE)
def test_the_first_chase_meets_the_deadline_on_time_or_late(
    chases: list[tuple[int, int]], is_chased: bool, met: bool | None, acts: bool
) -> None:
    chased_item = item(chases)
    assert chased(chased_item) is is_chased
    assert chase_met(chased_item) is met
    assert awaits_action(chased_item) is acts


@pytest.mark.parametrize(
    ("result", "closes"),
    [
        ("顾客说不要了", True),
        ("订单已取消", True),
        ("买家不买了，嫌贵", True),
        ("电话未接，已旺旺留言", False),
        ("答应中午付款", False),
    ],
)
def test_a_result_saying_the_buyer_gave_up_closes_the_order(result: str, closes: bool) -> None:
    assert ends_order(result, GIVEN_UP_WORDS) is closes


def test_the_conversion_rate_counts_chased_orders_per_chaser_and_for_the_team() -> None:
    orders = [
        item([(-20, 1)], "paid"),  # converted
        item([(15, 1)], "paid"),  # chased late, still converted
        item([(-5, 2)], "given_up"),  # not converted
        item([(-5, 2), (30, 1)]),  # pending: counted to 2, who chased first
        item([], "paid"),  # paid before any chase: no dunning was owed
    ]
    team, agents = tally(orders)
    assert (team.paid, team.lost, team.pending) == (2, 1, 1)
    assert team.rate() == pytest.approx(2 / 3)
    assert (agents[1].paid, agents[1].decided, agents[1].rate()) == (2, 2, 1.0)
    assert (agents[2].lost, agents[2].pending, agents[2].rate()) == (1, 1, 0.0)


def test_no_outcome_yet_has_no_rate() -> None:
    team, agents = tally([item([(-5, 1)])])
    assert team.rate() is None and agents[1].pending == 1


LADDER = [
    Rung(DUE - timedelta(minutes=30), WARN, 30),
    Rung(DUE - timedelta(minutes=10), WARN, 10),
    Rung(DUE, OVERDUE),
    Rung(DUE + timedelta(minutes=60), ESCALATE, 60),
]


@pytest.mark.parametrize(
    ("minutes", "first"),
    [
        (-40, 0),  # in time: the first warning
        (-20, 1),
        (20, 3),  # overdue: the registration says so once; the escalation is still to come
        (2 * 24 * 60, 3),  # two days late: the escalation goes out at once
    ],
)
def test_a_new_item_does_not_replay_its_overdue_rung(minutes: int, first: int) -> None:
    assert first_rung(LADDER, DUE + timedelta(minutes=minutes)) == first


@pytest.mark.parametrize(
    ("start", "index", "skipped"), [(0, 3, True), (2, 3, True), (3, 3, False), (0, 2, False)]
)
def test_an_escalation_after_downtime_knows_the_owner_missed_the_overdue_rung(
    start: int, index: int, skipped: bool
) -> None:
    assert skipped_overdue(LADDER, start, index) is skipped
