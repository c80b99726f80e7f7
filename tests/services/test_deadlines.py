"""The deadlines service without an Application: fixed clock, real repositories on tmp_path."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock, TeamTime
from bot.config import Settings, parse_settings
from bot.domain.deadline_item import DUNNING, Closing, DeadlineItem
from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member
from bot.persistence.deadlines import ItemRepo
from bot.persistence.members import MemberRepo
from bot.persistence.orders import OrderRepo
from bot.persistence.roster import RosterRepo
from bot.persistence.store import Store
from bot.persistence.timers import Notification
from bot.scheduling import Scheduler
from bot.scripts import ScriptBook, build_environment
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import DUNNED
from bot.services.messenger import Keyboard, Posted
from bot.services.orders import OrderService
from bot.services.roster import Roster
from tests.harness import Crash

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
ORDER = "3391827740"


class Cards:
    """A Messenger that records what the service sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[int | Member, str, Keyboard | None]] = []
        self.crash_at: int | None = None  # the process dies right after this many sends

    def _record(self, to: int | Member, text: str, keyboard: Keyboard | None) -> int:
        self.sent.append((to, text, keyboard))
        if len(self.sent) == self.crash_at:
            self.crash_at = None
            raise Crash()
        return len(self.sent)

    async def to_member(
        self,
        member: Member,
        text: str,
        keyboard: Keyboard | None = None,
        group_text: str | None = None,
    ) -> Posted | None:
        return Posted(member.user_id, self._record(member, text, keyboard))

    async def to_chat(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None
    ) -> Posted | None:
        return Posted(chat_id, self._record(chat_id, text, keyboard))

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> bool:
        return True


class Rig:
    """The deadlines service over a data folder, on the demo team, at Monday 2026-11-23 08:30."""

    def __init__(self, root: Path) -> None:
        self.settings: Settings = parse_settings(tomllib.loads(EXAMPLE.read_text("utf-8")))
        tz = self.settings.timezone
        self.clock = ManualClock(datetime(2026, 11, 23, 8, 30, tzinfo=tz))
        store = Store(root)
        self.members = MemberRepo(store)
        self.members.seed(self.settings.members)
        self.scheduler = Scheduler(store, self.clock)
        self.cards = Cards()
        scripts = ScriptBook(
            build_environment(self.settings.scripts.folder),
            self.settings.scripts,
            self.settings.shop,
            self.clock,
            tz,
        )
        scripts.load()
        roster = Roster(self.settings, self.members, RosterRepo(store))
        orders = OrderService(
            OrderRepo(store, tz, self.settings.remarks.live_days),
            self.settings.remarks,
            tz,
            self.settings.platforms,
            self.members,
            roster,
        )
        self.ds = DeadlineService(
            self.settings,
            TeamTime(self.clock, tz),
            ItemRepo(store),
            self.members,
            roster,
            self.scheduler,
            self.cards,
            scripts,
            orders,
        )
        self.ds.start()

    def at(self, text: str) -> datetime:
        """Return ``HH:MM`` on the rig's Monday, or ``YYYY-MM-DD HH:MM``, as local time."""
        if len(text) == 5:
            text = f"2026-11-23 {text}"
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=self.settings.timezone)

    def member(self, work_no: str) -> Member:
        found = self.members.by_work_no(work_no)
        assert found is not None
        return found

    async def tick_at(self, text: str) -> list[Notification]:
        """Move the clock, run what is due (nothing is delivered) and return the queued notes."""
        self.clock.set(self.at(text))
        await self.scheduler.run_due()
        return self.scheduler.outbox.due(self.clock.now())


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path / "data")


def test_opening_a_dunning_item_stores_it_and_arms_the_tick(rig: Rig) -> None:
    agent = rig.member("2")
    text = rig.ds.open_dunning(agent, ORDER, ["淘宝", "07:00"], rig.clock.now())
    assert text.startswith("已登记催付：催付 #1 订单 3391827740（淘宝），应于 今天 10:30 前完成")
    [item] = rig.ds.items.all()
    assert (item.id, item.kind, item.platform, item.owner) == (1, DUNNING, "taobao", agent.user_id)
    assert item.due == rig.at("10:30") and item.next_at == rig.at("10:00")
    [tick] = rig.scheduler.timers.pending("deadlines:tick")
    assert tick.due == rig.at("10:00")


async def test_a_tick_after_the_due_time_queues_the_overdue_rung_to_owner_and_lead(
    rig: Rig,
) -> None:
    agent = rig.member("2")
    rig.ds.open_dunning(agent, ORDER, ["淘宝", "07:00"], rig.clock.now())
    notes = [n for n in await rig.tick_at("10:31") if n.key.startswith("deadlines:1:")]
    text = "🔴 已超时：催付 #1 订单 3391827740（淘宝），应于 今天 10:30 完成 · 负责人 2号 李四"
    assert [(n.recipient, n.text) for n in notes] == [
        ({"user": agent.user_id}, text),
        ({"leads": "day"}, text),
    ]  # the two warnings it slept through are not sent: only the latest rung says the truth
    [item] = rig.ds.items.all()
    assert item.next_at == rig.at("11:30")  # the escalation is next
    assert [t.due for t in rig.scheduler.timers.pending("deadlines:tick")] == [rig.at("11:30")]


async def test_closing_archives_the_item_with_its_attempts_and_sends_nothing_more(
    rig: Rig,
) -> None:
    agent = rig.member("2")
    now = rig.clock.now()
    rig.ds.open_dunning(agent, ORDER, ["淘宝", "07:00"], now)
    rig.ds.record_attempt(agent, ORDER, "电话未接", now)
    closed = rig.ds.close(DUNNED, ORDER, "paid", agent, "", now)
    assert closed.late is False and closed.item.id == 1
    assert rig.ds.items.all() == []
    [archived] = rig.ds.items.closed("2026-11")
    assert archived.closing == Closing("paid", now, agent.user_id)
    assert [a.result for a in archived.attempts] == ["电话未接"]
    assert not [n for n in await rig.tick_at("12:00") if n.key.startswith("deadlines:1:")]


def test_only_a_lead_or_the_owner_may_reassign_and_a_refusal_changes_nothing(rig: Rig) -> None:
    owner, other, lead = rig.member("2"), rig.member("3"), rig.member("80")
    rig.clock.set(rig.at("09:00"))  # 王五's shift has started: he is told himself
    now = rig.clock.now()
    rig.ds.open_dunning(owner, ORDER, [], now)
    with pytest.raises(Refusal, match=r"^只有组长或该待办的负责人可以转交。$"):
        rig.ds.reassign(other, "1", "3", now)
    assert rig.ds.items.all()[0].owner == owner.user_id
    with pytest.raises(UserError, match="工号应为数字"):
        rig.ds.reassign(lead, "1", "三", now)
    assert "从 2号 李四 转交给 3号 王五" in rig.ds.reassign(lead, "1", "3", now)
    assert rig.ds.items.all()[0].owner == other.user_id
    [note] = [n for n in rig.scheduler.outbox.due(now) if ":reassign:" in n.key]
    assert note.recipient == {"user": other.user_id} and "转交给 3号 王五" in note.text


async def test_the_daily_review_shows_a_lead_the_c_customer_and_go_on_starts_the_visits(
    rig: Rig,
) -> None:
    agent, lead = rig.member("2"), rig.member("80")
    rig.ds.open_followup(agent, "王先生", ["只是看看", "C"], rig.clock.now())
    assert rig.ds.items.all()[0].next_at is None  # waiting for the review
    await rig.tick_at("16:00")
    [(_, head, _), (to, card, keyboard)] = rig.cards.sent
    assert "C 类 1 位" in head and to == lead and card.startswith("C 类客户复核 #1：王先生")
    assert keyboard is not None
    assert [b.data for b in keyboard[0]] == ["deadlines:review:1:stop", "deadlines:review:1:go"]
    decided = rig.ds.decide_review(lead, 1, "go", rig.clock.now())
    assert decided.answer == "已安排继续跟进。"
    [item] = rig.ds.items.all()
    assert (item.paused, item.review, item.visit) == (False, "go", 1)
    assert item.next_at == rig.at("2026-11-24 10:00")
    again = rig.ds.decide_review(lead, 1, "stop", rig.clock.now())
    assert again.answer == "该客户已处理过了。" and again.card is None


async def test_an_item_closed_while_a_burst_tick_yields_stays_closed_and_is_not_reminded(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = rig.member("2")
    orders = [f"33918277{n:02d}" for n in range(60)]  # more than one slice of the tick
    for order in orders:
        rig.ds.open_dunning(agent, order, ["淘宝", "07:00"], rig.clock.now())
    read = asyncio.Event()
    reached = rig.ds.items.reached

    def reading(moment: datetime) -> list[DeadlineItem]:
        read.set()
        return reached(moment)

    monkeypatch.setattr(rig.ds.items, "reached", reading)

    async def close_first() -> None:
        await read.wait()  # the tick has read the due items and is working through them
        rig.ds.close(DUNNED, orders[0], "paid", agent, "", rig.clock.now())

    closing = asyncio.create_task(close_first())
    notes = await rig.tick_at("10:31")
    await closing
    assert not [n for n in notes if n.key.startswith("deadlines:1:")]
    assert [n for n in notes if n.key.startswith("deadlines:2:")]
    assert [i.id for i in rig.ds.items.closed("2026-11")] == [1]
    assert sorted(i.id for i in rig.ds.items.all()) == list(range(2, 61))
