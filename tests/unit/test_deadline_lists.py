"""The indexes behind /mine, /due, /overdue and the reminder tick: the same answers as
reading every open item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.deadline_item import DUNNING, FOLLOWUP, TICKET, Attempt, Closing, DeadlineItem
from bot.domain.deadlines import is_overdue
from bot.domain.times import iso
from bot.persistence.deadlines import ItemRepo, Page
from bot.persistence.storage import open_db
from bot.persistence.store import Store

T0 = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
NOW = T0 + timedelta(hours=12)
OWNERS = (101, 102, 103)
KINDS = (DUNNING, FOLLOWUP, TICKET)


def new_item(n: int) -> DeadlineItem:
    """Return item n: owners and kinds in turn, due times spread over two days, some equal,
    three in four with a reminder still to send."""
    due = T0 + timedelta(hours=(n * 7) % 48)
    return DeadlineItem(
        kind=KINDS[n % 3],
        ref=f"R{n}",
        rule="dunning",
        owner=OWNERS[n % len(OWNERS)],
        creator=OWNERS[0],
        created=T0,
        received=T0,
        due=due,
        next_at=due - timedelta(minutes=30) if n % 4 else None,
    )


def fill(repo: ItemRepo, count: int = 60) -> None:
    for n in range(count):
        repo.add(new_item(n))


def order(items: list[DeadlineItem], first: int = 99) -> Page:
    """Return the page a list of these items shows: soonest first, then by number."""
    ordered = [i.id for i in sorted(items, key=lambda i: (i.due, i.id))]
    return Page(len(items), ordered[:first])


def expected_late(repo: ItemRepo) -> list[DeadlineItem]:
    """Return what /overdue counted before the indexes: every item built and tested."""
    return [
        i
        for i in repo.all()
        if not i.paused and not (i.kind == DUNNING and i.attempts) and is_overdue(i.due, NOW)
    ]


def assert_lists_match(repo: ItemRepo) -> None:
    late = expected_late(repo)
    for owner in OWNERS:
        assert repo.owned(owner, 99) == order([i for i in repo.all() if i.owner == owner])
        assert repo.late(NOW, owner, 99) == order([i for i in late if i.owner == owner])
        assert repo.late(NOW, owner, 3) == order([i for i in late if i.owner == owner], 3)
    start, end = T0 + timedelta(hours=5), T0 + timedelta(hours=29)
    due = [i for i in repo.all() if start <= i.due < end]
    assert repo.due_between(start, end, 99) == order(due)
    assert repo.due_between(start, end, 0).ids == []
    rungs = [i for i in repo.all() if i.next_at is not None]
    assert repo.soonest_rung() == min(i.next_at for i in rungs)
    edge = sorted(i.next_at for i in rungs)[len(rungs) // 2]  # a rung due exactly then
    reached = sorted(i.id for i in rungs if i.next_at <= edge)
    assert sorted(i.id for i in repo.reached(edge)) == reached
    assert edge in {i.next_at for i in repo.reached(edge)}
    owners = {i.owner for i in late}
    assert repo.late_owners(NOW) == {
        who: (
            sum(i.owner == who for i in late),
            iso(min(i.due for i in late if i.owner == who)),
        )
        for who in owners
    }


def test_lists_from_the_indexes_match_reading_every_item(tmp_path: Path) -> None:
    repo = ItemRepo(Store(tmp_path))
    fill(repo)
    assert len(repo.late_owners(NOW)) == len(OWNERS)  # late items of every kind, every owner
    assert_lists_match(repo)


def test_the_indexes_follow_reassign_chase_pause_and_close(tmp_path: Path) -> None:
    repo = ItemRepo(Store(tmp_path))
    fill(repo)
    moved, chased, paused, closed = (repo.get(n) for n in (1, 3, 2, 4))
    assert moved and chased and paused and closed
    moved.owner, moved.due = OWNERS[2], T0 + timedelta(minutes=1)
    repo.save(moved)
    chased.attempts.append(Attempt(T0, OWNERS[0], "电话未接"))
    paused.paused = True
    repo.save_many([chased, paused])
    closed.closing = Closing("done", NOW, OWNERS[0])
    repo.close(closed)
    assert repo.owned(OWNERS[2], 1).ids == [moved.id]
    assert chased.id not in repo.late(NOW, chased.owner, 99).ids
    assert paused.id not in repo.late(NOW, paused.owner, 99).ids
    assert closed.id not in repo.owned(closed.owner, 99).ids
    assert_lists_match(repo)


def test_the_indexes_are_rebuilt_after_a_restart_and_a_reload(tmp_path: Path) -> None:
    store = Store(tmp_path)
    fill(ItemRepo(store))
    store.close()
    repo = ItemRepo(Store(tmp_path))
    assert repo.owned(OWNERS[0], 0).total == 20
    assert_lists_match(repo)
    for shard in repo._shards:  # another process changed the files: memory is reloaded
        shard.storage.invalidate()
    repo.add(new_item(99))
    assert_lists_match(repo)


def test_load_builds_the_items_named_in_that_order(tmp_path: Path) -> None:
    repo = ItemRepo(Store(tmp_path))
    fill(repo, 5)
    assert [i.id for i in repo.load([4, 2, 77, 3])] == [4, 2, 3]


def test_an_ordered_index_answers_ranges_and_follows_writes(tmp_path: Path) -> None:
    table = open_db(tmp_path / "t.json").table("t")
    table.index("due", ordered=True)
    table.insert_multiple([{"due": "b"}, {"due": "a"}, {"due": None}, {"due": "c"}, {"due": "b"}])
    assert table.range_by("due") == [("a", 2), ("b", 1), ("b", 5), ("c", 4)]
    assert table.range_by("due", "b", "c") == [("b", 1), ("b", 5)]
    table.update({"due": "d"}, doc_ids=[1])
    table.remove(doc_ids=[5])
    assert table.range_by("due", "b") == [("c", 4), ("d", 1)]
    table.storage.invalidate()
    assert table.range_by("due", None, "d") == [("a", 2), ("c", 4)]
