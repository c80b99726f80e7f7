"""Deadline items on disk: files written by earlier versions load as typed items, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.domain.deadline_item import DUNNING, FOLLOWUP, Attempt, Closing, Visit
from bot.persistence.deadlines import ItemRepo, from_doc, to_doc
from bot.persistence.storage import JournalStorage
from bot.persistence.store import Store

# Documents as the dict-based version stored them (copied from its data folder).
DUNNING_DOC: dict[str, Any] = {
    "attempts": [{"at": "2026-11-23T00:30:00+00:00", "by": 100012, "result": "电话未接"}],
    "created": "2026-11-23T00:30:00+00:00",
    "creator": 100012,
    "due": "2026-11-23T02:30:00+00:00",
    "id": 1,
    "next_at": "2026-11-23T02:00:00+00:00",
    "note": "",
    "opens": None,
    "owner": 100012,
    "platform": "taobao",
    "received": "2026-11-22T23:00:00+00:00",
    "ref": "3391827740",
    "rule": "dunning",
    "rung": 0,
    "type": "dunning",
}
FOLLOWUP_DOC: dict[str, Any] = {
    "cls": "B",
    "concern": "价格",
    "created": "2026-11-23T00:30:00+00:00",
    "creator": 100012,
    "cycle_start": "2026-11-24",
    "due": "2026-11-25T09:00:00+00:00",
    "id": 3,
    "next_at": "2026-11-25T02:00:00+00:00",
    "note": "",
    "opens": "2026-11-25T02:00:00+00:00",
    "owner": 100012,
    "paused": False,
    "platform": None,
    "received": "2026-11-23T00:30:00+00:00",
    "ref": "张女士",
    "replies": 1,
    "review": "asked",
    "rule": "followup",
    "rung": 0,
    "type": "followup",
    "visit": 2,
    "visits": [{"at": "2026-11-24T02:30:00+00:00", "by": 100012, "n": 1, "note": "打了电话"}],
}
ARCHIVED_DOC: dict[str, Any] = {
    "close_note": "买了别家",
    "closed_at": "2026-11-24T02:30:00+00:00",
    "closed_by": 100012,
    "cls": "A",
    "concern": "太贵",
    "created": "2026-11-23T00:30:00+00:00",
    "creator": 100012,
    "cycle_start": "2026-11-23",
    "due": "2026-11-27T09:00:00+00:00",
    "id": 5,
    "next_at": "2026-11-25T02:00:00+00:00",
    "note": "",
    "opens": "2026-11-25T02:00:00+00:00",
    "owner": 100012,
    "paused": False,
    "platform": None,
    "received": "2026-11-23T00:30:00+00:00",
    "ref": "李女士",
    "review": None,
    "rule": "followup",
    "rung": 0,
    "status": "lost",
    "type": "followup",
    "visit": 2,
    "visits": [],
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def write_shard(root: Path, number: int, docs: list[dict[str, Any]]) -> None:
    """Write a shard file the way the bot's storage does, before any repository opens it."""
    root.mkdir(parents=True, exist_ok=True)
    items = {str(d["id"]): d for d in docs}
    text = json.dumps({"items": items}, ensure_ascii=False, sort_keys=True)
    (root / f"deadlines-{number:02d}.json").write_text(text, encoding="utf-8")


def test_items_stored_by_the_dict_version_load_as_typed_items(tmp_path: Path) -> None:
    write_shard(tmp_path, 1, [DUNNING_DOC])
    write_shard(tmp_path, 3, [FOLLOWUP_DOC])
    repo = ItemRepo(Store(tmp_path))
    dunning, followup = repo.get(1), repo.get(3)
    assert dunning is not None and followup is not None
    assert (dunning.kind, dunning.ref, dunning.platform, dunning.rule) == (
        DUNNING,
        "3391827740",
        "taobao",
        "dunning",
    )
    assert dunning.due == utc("2026-11-23T02:30:00+00:00")
    assert dunning.attempts == [Attempt(utc("2026-11-23T00:30:00+00:00"), 100012, "电话未接")]
    assert (followup.kind, followup.cls, followup.visit, followup.replies) == (FOLLOWUP, "B", 2, 1)
    assert followup.cycle_start == date(2026, 11, 24) and followup.review == "asked"
    assert followup.visits == [Visit(1, utc("2026-11-24T02:30:00+00:00"), 100012, "打了电话")]
    assert repo.find(FOLLOWUP, "张女士") == followup


def test_a_stored_item_is_written_back_in_the_same_shape() -> None:
    for doc in (DUNNING_DOC, FOLLOWUP_DOC, ARCHIVED_DOC):
        assert to_doc(from_doc(doc)) == doc
    closing = from_doc(ARCHIVED_DOC).closing
    assert closing == Closing("lost", utc("2026-11-24T02:30:00+00:00"), 100012, "买了别家")


def test_an_item_from_before_the_single_tick_loads_and_keeps_keys_it_does_not_know(
    tmp_path: Path,
) -> None:
    old = {k: v for k, v in DUNNING_DOC.items() if k not in ("next_at", "attempts")}
    old["job"] = "deadlines:1"  # a key this version does not read
    write_shard(tmp_path, 1, [old])
    repo = ItemRepo(Store(tmp_path))
    item = repo.get(1)
    assert item is not None and item.next_at is None and item.attempts == []
    item.owner = 100013
    repo.save(item)
    stored = _stored(tmp_path / "deadlines-01.json")["items"]["1"]
    assert stored["owner"] == 100013 and stored["job"] == "deadlines:1"


def _stored(path: Path) -> dict[str, Any]:
    """Return what a fresh start reads from a data file (its snapshot and its journal)."""
    return JournalStorage(path).read() or {}
