"""Unpaid orders the platform has closed end their dunning item once a day."""

from __future__ import annotations

from bot.persistence.timers import Timer
from bot.services.deadlines.alerts import EXPIRE
from tests.services.test_deadlines import Rig, rig  # noqa: F401  (the fixture)


async def test_an_order_unpaid_past_the_platform_s_limit_ends_and_its_owner_is_told_once(
    rig: Rig,  # noqa: F811
) -> None:
    agent = rig.member("2")
    rig.ds.open_dunning(agent, "3391827740", ["淘宝", "07:00"], rig.clock.now())
    rig.ds.record_attempt(agent, "3391827740", "已留言", rig.clock.now())
    rig.clock.set(rig.at("2026-11-24 09:00"))
    rig.ds.open_dunning(agent, "5566778899", ["淘宝", "08:50"], rig.clock.now())
    await rig.tick_at("2026-11-26 04:00")  # 69 hours after the first order: still open
    assert [i.ref for i in rig.ds.items.all()] == ["3391827740", "5566778899"]
    queued = await rig.tick_at("2026-11-27 04:00")  # 93 hours: the platform closed it
    assert [i.ref for i in rig.ds.items.all()] == ["5566778899"]
    [closed] = [i for i in rig.ds.items.closed("2026-11") if i.ref == "3391827740"]
    assert closed.closing is not None and closed.closing.status == "expired"
    told = [n for n in queued if n.text.startswith("🗂")]
    assert [n.recipient for n in told] == [{"user": agent.user_id}]
    assert "超过 72 小时" in told[0].text and "订单 3391827740（淘宝）" in told[0].text
    assert "全组：0/1 = 0%" in rig.ds.dunning_rate(rig.clock.now())  # chased, not converted


async def test_closing_expired_orders_again_closes_and_tells_nothing_twice(
    rig: Rig,  # noqa: F811
) -> None:
    agent = rig.member("2")
    rig.ds.open_dunning(agent, "3391827740", ["淘宝", "07:00"], rig.clock.now())
    rig.clock.set(rig.at("2026-11-27 04:00"))
    timer = Timer(f"{EXPIRE}:2026-11-27", EXPIRE, rig.clock.now())
    await rig.ds.alerts.on_expire(timer, False)
    await rig.ds.alerts.on_expire(timer, False)  # the timer stays until its work is done
    closed = [i for i in rig.ds.items.closed("2026-11") if i.ref == "3391827740"]
    assert len(closed) == 1 and rig.ds.items.all() == []
    told = [n for n in rig.scheduler.outbox.due(rig.clock.now()) if n.text.startswith("🗂")]
    assert len(told) == 1
