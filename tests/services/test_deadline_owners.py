"""谁挂号谁催付: who owns a dunning item, decided while the account holder is at work.

The demo team on Monday 2026-11-23: day shift 08:40–17:30 (李四 2 and 王五 3; 张三 1 rests
on Mondays), night shift 16:30–00:30 (5 and 6). 唯品会专卖 is held by 3 by day and 5 by
night; 淘宝C店1 by 1 by day (2 covers 淘宝 on Monday with 淘宝C店2) and 6 by night.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.test_deadlines import Rig

# (registered at, placed at, platform, registered by, owner, handed on from, due)
OWNER_TABLE = [
    # outside every shift: the holder at the start of the next shift covering the account
    ("2026-11-23 07:50", "07:50", "唯品会", "2", "3", None, "2026-11-23 10:30"),
    # the day shift's first minute
    ("2026-11-23 08:40", "08:40", "唯品会", "2", "3", None, "2026-11-23 16:30"),
    ("2026-11-23 09:00", "09:00", "唯品会", "2", "3", None, "2026-11-23 16:30"),
    # the day holder leaves at 17:30, before tomorrow's 10:30; the night holder too, at
    # 00:30: the same day holder is back first thing, so nothing is handed on
    ("2026-11-23 15:10", "15:10", "唯品会", "3", "3", None, "2026-11-24 10:30"),
    # both shifts run (16:30–17:30): the one that started last holds the account
    ("2026-11-23 16:40", "14:50", "唯品会", "3", "5", None, "2026-11-23 16:30"),
    # the night holder's shift ends at 00:30, before 10:30: handed on to the day holder
    ("2026-11-23 17:30", "17:30", "唯品会", "5", "3", "5", "2026-11-24 10:30"),
    ("2026-11-24 00:10", "00:10", "唯品会", "5", "3", "5", "2026-11-24 10:30"),
    # the night shift's end is not in it: the next shift covering the account
    ("2026-11-24 00:30", "00:30", "唯品会", "5", "3", None, "2026-11-24 10:30"),
    # the day agent on 淘宝 goes off shift before the deadline: tomorrow's holder of 淘宝C店1
    ("2026-11-23 16:00", "15:10", "淘宝", "2", "1", "2", "2026-11-24 10:30"),
    ("2026-11-23 09:00", "09:00", "淘宝", "3", "2", None, "2026-11-23 16:30"),
    # nobody covers 官网客服 before it falls due: whoever registered it (the lead assigns it)
    ("2026-11-23 09:00", "09:00", "官网", "3", "3", None, "2026-11-23 16:30"),
    # 唯品会 on Friday, 王五's day off: uncovered by day; the night holder starts only
    # after the 10:30 deadline, so the one who registered it chases it
    ("2026-11-27 08:30", "07:50", "唯品会", "2", "2", None, "2026-11-27 10:30"),
    # already overdue, registered before any shift: the next shift's holder, at once
    ("2026-11-24 08:00", "昨天 07:00", "唯品会", "2", "3", None, "2026-11-23 10:30"),
]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path / "data")


@pytest.mark.parametrize(
    ("registered", "placed", "platform", "by", "owner", "handed_from", "due"), OWNER_TABLE
)
def test_the_owner_is_the_account_holder_at_work_when_the_order_is_registered(
    rig: Rig,
    registered: str,
    placed: str,
    platform: str,
    by: str,
    owner: str,
    handed_from: str | None,
    due: str,
) -> None:
    rig.clock.set(rig.at(registered))
    rest = [platform, *placed.split()]
    text = rig.ds.open_dunning(rig.member(by), "3391827740", rest, rig.clock.now())
    [item] = rig.ds.items.all()
    assert item.due == rig.at(due)
    assert item.owner == rig.member(owner).user_id, text
    handed = "已交给下一位挂号人" in text
    assert handed == (handed_from is not None), text
    if handed_from is not None:
        assert rig.member(handed_from).name in text.split("已交给")[0]


def test_shared_platform_orders_go_to_the_agent_on_duty_with_fewest_open_items(rig: Rig) -> None:
    rig.clock.set(rig.at("09:00"))
    now = rig.clock.now()
    li, wang = rig.member("2"), rig.member("3")
    owners = []
    for number in ("3391827741", "3391827742", "3391827743"):
        rig.ds.open_dunning(li, number, ["天猫"], now)
        owners.append(rig.ds.items.find("dunning", number).owner)  # type: ignore[union-attr]
    # a tie goes to whoever registered it; then the one with fewer open items
    assert owners == [li.user_id, wang.user_id, li.user_id]
    rig.ds.record_attempt(li, "3391827741", "电话已联系", now)  # chased: no longer a load
    rig.ds.record_attempt(li, "3391827743", "电话已联系", now)
    rig.ds.open_dunning(wang, "3391827744", ["京东"], now)
    assert rig.ds.items.find("dunning", "3391827744").owner == li.user_id  # type: ignore[union-attr]


def test_a_reassign_overrides_the_owner_rule(rig: Rig) -> None:
    rig.clock.set(rig.at("09:00"))
    now = rig.clock.now()
    rig.ds.open_dunning(rig.member("2"), "3391827740", ["唯品会"], now)
    rig.ds.reassign(rig.member("80"), "1", "2", now)
    [item] = rig.ds.items.all()
    assert item.owner == rig.member("2").user_id
