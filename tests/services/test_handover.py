"""The handover service without an Application: fixed clock, real repositories, fake messenger."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock, TeamTime
from bot.config import Settings, parse_settings
from bot.domain.errors import UserError
from bot.domain.handover import Draft, Item
from bot.domain.members import Member
from bot.domain.shifts import ShiftOccurrence
from bot.domain.text import UNCONFIRMED
from bot.persistence.handover import HandoverRepo
from bot.persistence.members import MemberRepo
from bot.persistence.roster import RosterRepo
from bot.persistence.store import Store
from bot.persistence.timers import Notification, Timer
from bot.scheduling import Scheduler
from bot.services.handover import HandoverService
from bot.services.messenger import Keyboard, Posted
from bot.services.roster import Roster
from tests.harness import Crash

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
TEAM_CHAT = -1001000000001


class FakeMessenger:
    """Records what the service sends and edits; every message lands."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, str, Keyboard | None]] = []
        self._last_id = 0

    def _posted(self, kind: str, chat_id: int, text: str, keyboard: Keyboard | None) -> Posted:
        self.sent.append((kind, chat_id, text, keyboard))
        self._last_id += 1
        return Posted(chat_id, self._last_id)

    async def to_member(
        self,
        member: Member,
        text: str,
        keyboard: Keyboard | None = None,
        group_text: str | None = None,
    ) -> Posted | None:
        return self._posted("to_member", member.user_id, text, keyboard)

    async def to_chat(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None
    ) -> Posted | None:
        return self._posted("to_chat", chat_id, text, keyboard)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None = None
    ) -> bool:
        self.sent.append(("edit", chat_id, text, keyboard))
        return True

    def of(self, kind: str) -> list[tuple[str, int, str, Keyboard | None]]:
        return [s for s in self.sent if s[0] == kind]


class World:
    """The handover service over a tmp data folder with the demo team, at a set time."""

    def __init__(self, root: Path, start: str) -> None:
        self.settings: Settings = parse_settings(tomllib.loads(EXAMPLE.read_text("utf-8")))
        self.clock = ManualClock(self.at(start))
        store = Store(root)
        self.members = MemberRepo(store)
        self.members.seed(self.settings.members)
        self.scheduler = Scheduler(store, self.clock)
        self.roster = Roster(self.settings, self.members, RosterRepo(store))
        self.messenger = FakeMessenger()
        self.repo = HandoverRepo(store)
        self.service = HandoverService(
            self.settings,
            TeamTime(self.clock, self.settings.timezone),
            self.repo,
            self.members,
            self.roster,
            self.scheduler,
            self.messenger,
        )

    def at(self, text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=self.settings.timezone)

    def now(self) -> datetime:
        return self.clock.now()

    def set(self, text: str) -> None:
        self.clock.set(self.at(text))

    def member(self, work_no: str) -> Member:
        member = self.members.by_work_no(work_no)
        assert member is not None
        return member

    def write(self, work_no: str, *texts: str) -> list[Item]:
        drafts = [Draft(text) for text in texts]
        return self.service.write(self.member(work_no), drafts, self.now(), mask=True).items

    def queued(self) -> list[Notification]:
        return self.scheduler.outbox.due(self.at("2030-01-01 00:00"))

    def timer(self, kind: str, occ: str, due: str) -> Timer:
        return Timer(f"{kind}:{occ}", kind, self.at(due), {"occ": occ})


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "data", "2026-11-23 15:00")


# ---- writing -------------------------------------------------------------------------------


def test_items_written_by_the_day_shift_are_for_the_night_shift_and_posted_at_its_login(
    world: World,
) -> None:
    written = world.service.write(
        world.member("2"), [Draft("客户问发票"), Draft("买家要求换货")], world.now(), mask=True
    )
    stored = world.repo.open_items()
    assert [(i.from_occ, i.to_occ, i.author) for i in stored] == [
        ("day:2026-11-23", "night:2026-11-23", "2号 李四")
    ] * 2
    assert not written.started and "晚班 16:30 上班时会发到团队群" in written.text
    assert {t.key for t in world.scheduler.timers.pending("handover:post")} == {
        "handover:post:night:2026-11-23"
    }
    assert world.repo.written("day:2026-11-23") == {world.member("2").user_id: False}
    assert world.messenger.sent == []  # nothing posted before the night shift logs in


async def test_items_written_after_the_login_are_posted_at_once_with_a_later_alert(
    world: World,
) -> None:
    world.set("2026-11-23 16:50")
    written = world.service.write(world.member("2"), [Draft("客户问发票")], world.now(), True)
    await world.service.announce(written)
    [(_, chat, text, keyboard)] = world.messenger.of("to_chat")
    assert chat == TEAM_CHAT and text.startswith("#1 客户问发票")
    assert keyboard is not None and [b.data for b in keyboard[0]] == [
        "handover:ack:1",
        "handover:done:1",
    ]
    item = world.repo.get(1)
    assert item is not None and item.posted_for == "night:2026-11-23" and len(item.cards) == 1
    alerts = world.scheduler.timers.pending("handover:alert:night:2026-11-23:")
    assert [t.due for t in alerts] == [world.at("2026-11-23 17:05")]


class DyingMessenger(FakeMessenger):
    """Telegram takes the message, then the process dies before the bot hears back."""

    async def to_chat(
        self, chat_id: int, text: str, keyboard: Keyboard | None = None
    ) -> Posted | None:
        self._posted("to_chat", chat_id, text, keyboard)
        raise Crash


async def test_a_card_sent_just_before_a_kill_is_posted_again_at_start_saying_it_may_repeat(
    tmp_path: Path,
) -> None:
    world = World(tmp_path / "data", "2026-11-23 16:50")
    world.service.cards.messenger = DyingMessenger()
    written = world.service.write(world.member("2"), [Draft("客户问发票")], world.now(), True)
    with pytest.raises(Crash):
        await world.service.announce(written)
    again = World(tmp_path / "data", "2026-11-23 16:51")  # the next start
    again.service.register_timers()
    await again.scheduler.run_due()
    [(_, chat, text, keyboard)] = again.messenger.of("to_chat")
    assert chat == TEAM_CHAT and "#1 客户问发票" in text and text.endswith(UNCONFIRMED)
    assert keyboard is not None
    item = again.repo.get(1)
    assert item is not None and item.cards == [[TEAM_CHAT, 1]] and item.posting_for is None
    await again.scheduler.run_due()
    assert len(again.messenger.of("to_chat")) == 1


def test_a_shift_with_nobody_on_duty_is_skipped_when_writing(world: World) -> None:
    world.set("2026-11-24 15:00")  # Tuesday: 5号 has his day off, 6号 takes leave
    lead = world.member("80")
    world.roster.take_off("6", "2026-11-24", "请假", lead, world.now())
    [item] = world.write("2", "客户问发票")
    assert (item.from_occ, item.to_occ) == ("day:2026-11-24", "day:2026-11-25")


def test_nothing_to_hand_over_is_refused_after_writing_items(world: World) -> None:
    world.write("2", "客户问发票")
    with pytest.raises(UserError, match="已写了交接事项"):
        world.service.nothing(world.member("2"), world.now())
    assert "没有需要交接的事项" in world.service.nothing(world.member("3"), world.now())


# ---- taking items over ---------------------------------------------------------------------


async def test_ack_by_an_agent_of_another_shift_is_refused_with_the_reason_and_changes_nothing(
    world: World,
) -> None:
    world.write("2", "客户问发票")
    world.set("2026-11-23 16:50")
    before = world.repo.get(1)
    answer = await world.service.take(world.member("3"), "ack", [1], "", world.now())
    assert answer == "#1 交给 晚班 11-23，只有接班同事、交接人或组长可以操作。"
    pressed = world.service.press(world.member("3"), "ack", 1, world.now())
    assert pressed.alert and pressed.answer == answer and pressed.changed is None
    assert world.repo.get(1) == before and not world.repo.get(1).acked
    assert world.messenger.sent == []


async def test_the_author_may_close_an_item_but_not_take_it_over(world: World) -> None:
    world.write("2", "客户问发票")
    author = world.member("2")
    item = world.repo.get(1)
    with pytest.raises(UserError, match="只有接班同事、交接人或组长可以操作"):
        world.service.authorize(author, item, "ack")
    world.service.authorize(author, item, "done")
    world.service.authorize(author, item, "reassign")
    world.service.authorize(world.member("5"), item, "ack")  # the receiving shift
    world.service.authorize(world.member("80"), item, "ack")  # a lead


async def test_the_receiving_shift_takes_an_item_over_and_its_card_shows_it(world: World) -> None:
    world.set("2026-11-23 16:50")
    written = world.service.write(world.member("2"), [Draft("客户问发票")], world.now(), True)
    await world.service.announce(written)
    answer = await world.service.take(world.member("5"), "ack", [1], "", world.now())
    assert answer == "已接收 #1。"
    item = world.repo.get(1)
    assert item is not None and item.acked_by == "5号 赵六"
    [(_, _, text, keyboard)] = world.messenger.of("edit")
    assert "已接收（5号 赵六" in text and [b.data for b in keyboard[0]] == ["handover:done:1"]


async def test_reassigning_by_a_stranger_to_the_item_is_refused_and_changes_nothing(
    world: World,
) -> None:
    world.write("2", "客户问发票")
    with pytest.raises(UserError, match="只有接班同事、交接人或组长可以操作"):
        await world.service.reassign(world.member("3"), 1, "6", world.now())
    item = world.repo.get(1)
    assert item is not None and item.assignee is None and world.queued() == []


# ---- timers --------------------------------------------------------------------------------


async def test_rollover_moves_open_items_to_the_next_shift_and_leaves_closed_ones(
    world: World,
) -> None:
    world.write("2", "客户问发票", "买家要求换货")
    world.set("2026-11-23 23:00")
    await world.service.take(world.member("5"), "ack", [1], "", world.now())
    await world.service.take(world.member("5"), "done", [2], "已换", world.now())
    world.set("2026-11-24 00:30")
    await world.service.timers.rollover(
        world.timer("handover:rollover", "night:2026-11-23", "2026-11-24 00:30"), False
    )
    moved = world.repo.get(1)
    assert moved is not None and moved.to_occ == "day:2026-11-24"
    assert moved.rollovers == 1 and not moved.acked
    assert moved.ack_due == world.at("2026-11-24 08:55")
    assert world.repo.get(2) is None and world.repo.find_closed(2) is not None
    pending = {t.key for t in world.scheduler.timers.pending("handover:")}
    assert {"handover:post:day:2026-11-24", "handover:alert:day:2026-11-24"} <= pending


async def test_the_alert_is_queued_only_for_items_not_taken_over(world: World) -> None:
    world.set("2026-11-23 23:00")
    world.write("5", "客户问发票", "买家要求换货")
    world.set("2026-11-24 08:45")
    await world.service.take(world.member("2"), "ack", [1], "", world.now())
    world.set("2026-11-24 08:55")
    timer = world.timer("handover:alert", "day:2026-11-24", "2026-11-24 08:55")
    await world.service.timers.alert(timer, False)
    [note] = world.queued()
    assert note.recipient == {"leads": "day"}
    assert "交接未接收提醒（白班 11-24）" in note.text
    assert "#2 买家要求换货" in note.text and "#1 " not in note.text
    assert [world.repo.get(n).alerted_for for n in (1, 2)] == [None, "day:2026-11-24"]
    await world.service.timers.alert(timer, False)  # running twice is harmless
    assert len(world.queued()) == 1


async def test_no_alert_is_queued_when_every_item_was_taken_over(world: World) -> None:
    world.set("2026-11-23 23:00")
    world.write("5", "客户问发票", "买家要求换货")
    world.set("2026-11-24 08:45")
    await world.service.take(world.member("2"), "ack", [1, 2], "", world.now())
    world.set("2026-11-24 08:55")
    timer = world.timer("handover:alert", "day:2026-11-24", "2026-11-24 08:55")
    await world.service.timers.alert(timer, False)
    assert world.queued() == []


async def test_agents_who_wrote_nothing_are_reminded_before_the_end(world: World) -> None:
    world.write("2", "客户问发票")
    world.set("2026-11-23 17:00")
    await world.service.timers.remind(
        world.timer("handover:remind", "day:2026-11-23", "2026-11-23 17:00"), False
    )
    reminded = {n.recipient["user"] for n in world.queued()}
    assert reminded == {world.member("3").user_id}  # 1号 is off on Monday, 2号 wrote


async def test_a_checked_in_agent_gets_the_items_for_their_shift_with_buttons(
    world: World,
) -> None:
    world.write("2", "客户问发票", "买家要求换货")
    occ = ShiftOccurrence(world.settings.shift("night"), date(2026, 11, 23))
    await world.service.on_checkin(world.member("5"), occ, world.at("2026-11-23 16:40"))
    [(_, user, text, keyboard)] = world.messenger.of("to_member")
    assert user == world.member("5").user_id
    assert "交给 晚班 11-23 的交接共 2 项" in text and keyboard is not None and len(keyboard) == 2
