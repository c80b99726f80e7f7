"""The atomic TinyDB storage and the data folder: corruption, start checks, backups."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query
from tinydb.table import Document

from bot.persistence import storage
from bot.persistence.storage import (
    JournalStorage,
    StorageCorrupt,
    open_db,
    write_atomically,
)
from bot.persistence.store import Store, mirror_archive
from tests.harness import Harness


def _state(path: Path) -> dict[str, Any]:
    """Return what a fresh open of ``path`` sees (snapshot plus journal)."""
    return JournalStorage(path).read() or {}


def _journal_lines(path: Path) -> list[dict[str, Any]]:
    journal = path.with_name(path.name + ".journal")
    if not journal.exists():
        return []
    return [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]


def test_a_write_appends_one_journal_line_with_only_the_changed_document(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    table = open_db(path).table("items")
    table.insert_multiple({"n": i, "pad": "客服" * 20} for i in range(300))
    before = _journal_lines(path)
    table.update({"n": -1}, doc_ids=[7])
    [line] = _journal_lines(path)[len(before) :]
    assert line["table"] == "items" and line["set"] == {"7": {"n": -1, "pad": "客服" * 20}}
    assert _state(path)["items"]["7"]["n"] == -1
    assert len(_state(path)["items"]) == 300


def test_closing_folds_the_journal_into_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.table("items").insert({"name": "退款", "n": 1})
    db.table("items").update({"n": 2})
    db.close()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["items"].values()) == [{"name": "退款", "n": 2}]
    assert [p.name for p in tmp_path.iterdir()] == ["open.json"]


def test_a_removal_and_a_truncate_are_journaled_and_replayed(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.table("a").insert_multiple({"n": i} for i in range(5))
    db.table("a").remove(doc_ids=[2, 4])
    db.table("b").insert({"x": 1})
    db.table("b").truncate()
    state = _state(path)
    assert sorted(state["a"]) == ["1", "3", "5"] and state["b"] == {}


def test_the_journal_is_folded_in_once_it_outgrows_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.persistence.storage.COMPACT_MIN_BYTES", 1000)
    path = tmp_path / "open.json"
    db = open_db(path)
    table = db.table("items")
    for i in range(40):
        table.insert({"n": i, "text": "交接事项" * 5})
    db.storage.settle()  # the fold runs on its own thread
    assert len(_journal_lines(path)) < 40  # folded at least once on the way
    assert len(json.loads(path.read_text(encoding="utf-8"))["items"]) >= 20
    assert len(_state(path)["items"]) == 40


def test_a_write_that_changes_many_documents_is_one_journal_line(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    table = open_db(path).table("items")
    table.insert_multiple({"n": i} for i in range(500))
    [line] = _journal_lines(path)
    assert len(line["set"]) == 500 and not path.exists()
    assert len(_state(path)["items"]) == 500


def test_lines_already_in_the_snapshot_are_not_replayed_over_it(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    table = db.table("items")
    table.insert_multiple({"n": i, "round": 0} for i in range(3))
    table.update({"round": 1}, doc_ids=[1])
    journal = path.with_name("open.json.journal")
    left = journal.read_bytes()
    table.update({"round": 2})
    db.table("scratch").insert({"n": 0})
    db.drop_table("scratch")  # TinyDB writes the whole database: the snapshot is rewritten
    assert not journal.exists()
    journal.write_bytes(left)  # as if killed after replacing the snapshot, before removing it
    assert {d["round"] for d in _state(path)["items"].values()} == {2}


def test_reading_or_removing_a_missing_id_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    table = open_db(path).table("items")
    table.insert({"n": 1})
    lines = _journal_lines(path)
    table.search(Query().n == 99)
    table.remove(doc_ids=[42])
    assert _journal_lines(path) == lines


def test_a_torn_last_journal_line_is_dropped_and_cut(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    open_db(path).table("items").insert({"n": 1})
    journal = path.with_name("open.json.journal")
    with open(journal, "ab") as handle:
        handle.write(b'{"table":"items","set":{"2":{"n"')
    assert _state(path)["items"] == {"1": {"n": 1}}
    assert journal.read_bytes().endswith(b"}}}\n")
    table = open_db(path).table("items")
    table.insert({"n": 3})
    assert sorted(_state(path)["items"]) == ["1", "2"]


def test_a_bad_line_inside_the_journal_stops_naming_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    open_db(path).table("members").insert({"n": 1})
    journal = path.with_name("team.json.journal")
    with open(journal, "ab") as handle:
        handle.write(b'garbage\n{"seq":9,"table":"members","set":{"2":{"n":2}}}\n')
    broken = journal.read_bytes()
    with pytest.raises(StorageCorrupt) as caught:
        _state(path)
    assert caught.value.path == journal and "第 2 行" in str(caught.value)
    assert journal.read_bytes() == broken


def test_reads_come_from_memory_after_the_first_parse(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.insert({"a": 1})
    path.write_text('{"_default": {}}', encoding="utf-8")  # changed behind the bot's back
    assert db.all() == [{"a": 1}]


def test_an_unparseable_file_raises_storage_corrupt_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    path.write_text('{"members": {"1": {"name": "张三"', encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        open_db(path).table("members").all()
    assert str(path) in str(caught.value)
    assert "无法解析" in str(caught.value) and "不会覆盖" in str(caught.value)
    assert caught.value.path == path


def test_a_corrupt_file_is_never_overwritten_by_a_write(tmp_path: Path) -> None:
    path = tmp_path / "schedule.json"
    broken = '{"timers": {"1": {"key": "x"'
    path.write_text(broken, encoding="utf-8")
    db = open_db(path)
    for _ in range(2):
        with pytest.raises(StorageCorrupt):
            db.table("timers").insert({"key": "y"})
    assert path.read_text(encoding="utf-8") == broken
    assert not path.with_name("schedule.json.journal").exists()


def test_a_file_whose_tables_are_not_tables_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    path.write_text('{"members": [1, 2]}', encoding="utf-8")
    with pytest.raises(StorageCorrupt):
        JournalStorage(path).read()


@pytest.mark.parametrize("content", ["", "  \n", "\t"])
def test_an_empty_file_is_refused_and_left_alone(tmp_path: Path, content: str) -> None:
    path = tmp_path / "team.json"
    path.write_text(content, encoding="utf-8")
    db = open_db(path)
    with pytest.raises(StorageCorrupt) as caught:
        db.table("members").insert({"user_id": 1})
    assert "team.json" in str(caught.value) and "空" in str(caught.value)
    assert path.read_text(encoding="utf-8") == content


def test_a_missing_file_is_an_empty_database(tmp_path: Path) -> None:
    assert open_db(tmp_path / "missing.json").tables() == set()


def test_a_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes('{"orders": {"1": {"order_no": "订单"}}}'.encode("gbk"))
    with pytest.raises(StorageCorrupt) as caught:
        open_db(path).table("orders").all()
    assert caught.value.path == path and "UTF-8" in str(caught.value)


def test_a_failed_append_drops_the_memory_copy_and_leaves_no_partial_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.insert({"a": 1})
    journal = path.with_name("open.json.journal")
    size = journal.stat().st_size

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.persistence.storage.os.fsync", no_space)
    with pytest.raises(OSError):
        db.insert({"a": 2})
    monkeypatch.undo()
    assert journal.stat().st_size == size
    assert db.all() == [{"a": 1}]  # re-read from disk, not the half-applied memory copy
    db.insert({"a": 3})
    assert [d["a"] for d in JournalStorage(path).read()["_default"].values()] == [1, 3]


def test_a_failed_snapshot_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.insert({"a": 1})
    db.close()

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    db = open_db(path)
    monkeypatch.setattr("bot.persistence.storage.os.replace", no_space)
    with pytest.raises(OSError):
        db.drop_tables()
    monkeypatch.undo()
    assert db.all() == [{"a": 1}]
    assert [p.name for p in tmp_path.iterdir()] == ["open.json"]


def test_an_updater_that_fails_halfway_leaves_memory_as_the_disk_has_it(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    table = open_db(path).table("items")
    table.insert(Document({"n": 1}, doc_id=5))
    with pytest.raises(ValueError):
        table.insert_multiple([{"n": 2}, Document({"n": 3}, doc_id=5)])
    assert [d["n"] for d in table.all()] == [1]


def _held_fold(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make every background fold wait for the returned event before it encodes its copy."""
    go = threading.Event()
    encode = storage.encode_snapshot

    def held(data: dict[str, Any]) -> str:
        go.wait()
        return encode(data)

    monkeypatch.setattr("bot.persistence.storage.encode_snapshot", held)
    monkeypatch.setattr("bot.persistence.storage.COMPACT_MIN_BYTES", 0)
    return go


def test_writes_go_on_during_a_background_fold_and_the_fold_keeps_the_state_it_sealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = _held_fold(monkeypatch)
    path = tmp_path / "open.json"
    db = open_db(path)
    table = db.table("items")
    table.insert({"n": 1, "tags": ["a"]})  # the journal outgrows the (missing) snapshot
    assert db.storage.folding
    table.update(lambda doc: doc["tags"].append("b"), doc_ids=[1])  # changes it in place
    with pytest.raises(ValueError):
        table.update(lambda doc: (doc.update(n=99), int("x")), doc_ids=[1])  # fails halfway
    go.set()
    db.storage.settle()
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    assert snapshot["items"] == {"1": {"n": 1, "tags": ["a"]}}  # as sealed, no later change
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open.json", "open.json.journal"]
    table.insert({"n": 2, "tags": []})
    assert _state(path)["items"] == {"1": {"n": 1, "tags": ["a", "b"]}, "2": {"n": 2, "tags": []}}


def test_a_crash_during_a_fold_replays_the_sealed_journal_then_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = _held_fold(monkeypatch)
    path = tmp_path / "open.json"
    table = open_db(path).table("items")
    table.insert({"n": 1})
    table.update({"n": 2}, doc_ids=[1])
    table.insert({"n": 3})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["open.json.journal", "open.json.journal.1"]  # as if killed mid-fold
    assert _state(path)["items"] == {"1": {"n": 2}, "2": {"n": 3}}
    go.set()


def test_a_failed_fold_keeps_the_sealed_journal_and_the_next_fold_takes_it_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.persistence.storage.COMPACT_MIN_BYTES", 0)
    monkeypatch.setattr("bot.persistence.storage.write_atomically", no_space)
    path = tmp_path / "open.json"
    db = open_db(path)
    table = db.table("items")
    table.insert({"n": 1})
    db.storage.settle()
    assert (tmp_path / "open.json.journal.1").exists() and not path.exists()
    monkeypatch.undo()
    monkeypatch.setattr("bot.persistence.storage.COMPACT_MIN_BYTES", 0)
    table.insert({"n": 2})
    db.storage.settle()
    assert [p.name for p in tmp_path.iterdir()] == ["open.json"]
    assert _state(path)["items"] == {"1": {"n": 1}, "2": {"n": 2}}


def test_an_index_answers_lookups_and_follows_every_write(tmp_path: Path) -> None:
    table = open_db(tmp_path / "open.json").table("orders")
    table.index("order_no")
    table.index("pair", lambda d: (d.get("day"), d.get("shift")))
    first = table.insert({"order_no": "A1", "day": "11-23", "shift": "day"})
    table.insert({"order_no": "B2", "day": "11-23", "shift": "day"})
    assert table.get_by("order_no", "A1").doc_id == first
    assert [d["order_no"] for d in table.search_by("pair", ("11-23", "day"))] == ["A1", "B2"]
    table.update({"order_no": "A9"}, doc_ids=[first])
    assert table.get_by("order_no", "A1") is None and table.get_by("order_no", "A9")
    table.remove(Query().order_no == "B2")
    assert table.search_by("pair", ("11-23", "day"))[0]["order_no"] == "A9"
    table.truncate()
    assert table.get_by("order_no", "A9") is None


def test_an_index_is_rebuilt_after_memory_is_reloaded_from_disk(tmp_path: Path) -> None:
    db = open_db(tmp_path / "open.json")
    table = db.table("orders")
    table.index("order_no")
    table.insert({"order_no": "A1"})
    assert table.get_by("order_no", "A1") is not None
    other = open_db(tmp_path / "open.json").table("orders")
    other.insert({"order_no": "C3"})
    db.storage.invalidate()  # as after a failed write
    assert table.get_by("order_no", "C3") is not None


def test_write_atomically_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.json"
    write_atomically(target, "{}")
    assert target.read_text(encoding="utf-8") == "{}"


def test_check_all_names_the_damaged_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.db("team").insert({"ok": True})
    (tmp_path / "handover.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        store.check_all()
    assert "handover.json" in str(caught.value)


def test_check_all_rejects_a_file_that_tinydb_could_not_read(tmp_path: Path) -> None:
    # Valid JSON whose tables are lists would only fail later, in the middle of a command.
    (tmp_path / "schedule.json").write_text('{"timers": [1, 2]}', encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        Store(tmp_path).check_all()
    assert "schedule.json" in str(caught.value)


def test_check_all_accepts_good_files_and_refuses_an_empty_one(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.db("team").insert({"ok": True})
    store.check_all()
    (tmp_path / "blank.json").write_text("\n", encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        store.check_all()
    assert "blank.json" in str(caught.value)


def test_temp_files_left_by_killed_writes_are_removed_everywhere_at_start(tmp_path: Path) -> None:
    (tmp_path / "team.json").write_text("{}", encoding="utf-8")
    month = tmp_path / "archive" / "2026-11"
    month.mkdir(parents=True)
    images = tmp_path / "images" / "2026-11"
    images.mkdir(parents=True)
    stale = [
        tmp_path / ".team.json.k3j2h1.tmp",
        tmp_path / ".deadlines-03.json.x81hq.tmp",
        month / ".orders.keys.copy.tmp",
        images / "a.png.partial",
    ]
    for path in stale:
        path.write_text('{"members": {"1"', encoding="utf-8")
    kept = [tmp_path / "team.json", month / "orders.jsonl", images / "a.png"]
    for path in kept[1:]:
        path.write_text("x", encoding="utf-8")
    Store(tmp_path)
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)


def _data_folder(root: Path) -> Store:
    store = Store(root)
    store.db("team").insert({"name": "张三"})
    store.archive.append("outbox", "2026-11", {"key": "a"})
    (root / "logs").mkdir()
    (root / "logs" / "bot.log").write_text("log", encoding="utf-8")
    return store


def _restore(backup: Path, mirror: Path, target: Path) -> Store:
    """Restore as docs/storage.md says: gunzip the day's files, copy the archive copy."""
    target.mkdir()
    for packed in backup.glob("*.gz"):
        (target / packed.name[:-3]).write_bytes(gzip.decompress(packed.read_bytes()))
    shutil.copytree(mirror, target / "archive")
    return Store(target)


def test_backup_copies_the_live_files_once_a_day_and_restores(tmp_path: Path) -> None:
    store = _data_folder(tmp_path / "data")
    day = date(2026, 11, 23)
    result = store.backup(day, 14)
    backups = tmp_path / "data" / "backups"
    assert result.ok and result.path == backups / "2026-11-23"
    assert not (result.path / "logs").exists() and not (result.path / "backups").exists()
    store.db("team").insert({"name": "李四"})
    again = store.backup(day, 14)
    assert again.ok and again.path is None  # same day: the morning copy is kept as it was
    restored = _restore(result.path, backups / "archive", tmp_path / "restored")
    assert [d["name"] for d in restored.db("team").all()] == ["张三"]
    assert list(restored.archive.read("outbox", "2026-11")) == [{"key": "a"}]


def test_backup_keeps_the_last_backup_days_copies(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    first = date(2026, 11, 1)
    for offset in range(20):
        store.backup(first + timedelta(days=offset), 14)
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir() if p.name != "archive")
    assert len(kept) == 14
    assert kept[0] == (first + timedelta(days=6)).isoformat()
    assert kept[-1] == (first + timedelta(days=19)).isoformat()


def test_backup_ignores_foreign_folders_and_a_half_made_copy(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    backups = tmp_path / "backups"
    (backups / "手工备份").mkdir(parents=True)
    (backups / ".2026-11-23.partial").mkdir()
    made = store.backup(date(2026, 11, 23), 14).path
    assert made is not None and list(made.glob("team.json*.gz"))
    assert (backups / "手工备份").exists()
    assert not (backups / ".2026-11-23.partial").exists()


def test_archives_are_backed_up_once_and_only_what_was_appended_is_copied(
    tmp_path: Path,
) -> None:
    store = _data_folder(tmp_path)
    store.archive.append("orders", "2026-10", {"order": "A1"})
    store.backup(date(2026, 11, 23), 14)
    mirror = tmp_path / "backups" / "archive"
    old_month, this_month = (
        mirror / "2026-10" / "orders.jsonl",
        mirror / "2026-11" / "outbox.jsonl",
    )
    before = (old_month.stat().st_mtime_ns, this_month.stat().st_ino)
    store.archive.append("outbox", "2026-11", {"key": "later"})  # this month grows
    store.backup(date(2026, 11, 24), 14)
    assert old_month.stat().st_mtime_ns == before[0]  # an unchanged month is not copied again
    assert this_month.stat().st_ino == before[1]  # the copy was extended, not replaced
    assert [json.loads(x)["key"] for x in this_month.read_text().splitlines()] == ["a", "later"]
    days = [p for p in (tmp_path / "backups").iterdir() if p.name != "archive"]
    assert all(not (d / "archive").exists() for d in days)  # not one copy per day


def test_a_backup_restores_the_moment_it_was_started_while_writes_and_folds_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = _held_fold(monkeypatch)
    monkeypatch.setattr("bot.persistence.storage.COMPACT_RATIO", 0)
    store = Store(tmp_path / "data")
    store.archive.append("outbox", "2026-11", {"key": "a"})
    team = store.db("team")
    team.insert({"name": "张三"})  # a fold starts: the journal is sealed, the fold held
    team.insert({"name": "李四"})
    copy = store.start_backup(date(2026, 11, 23))  # on the loop: opens the files
    go.set()
    team.storage.settle()  # the fold replaces the snapshot and removes the sealed journal
    team.insert({"name": "王五"})  # the journal is sealed again, and folded in
    team.storage.settle()
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if p.is_file()) == ["team.json"]
    result = store.finish_backup(copy, 14)  # on a worker thread in the bot
    assert result.ok and result.path is not None
    restored = _restore(result.path, tmp_path / "data" / "backups" / "archive", tmp_path / "r")
    assert [d["name"] for d in restored.db("team").all()] == ["张三", "李四"]


def test_an_archive_copy_that_is_not_a_prefix_is_copied_whole(tmp_path: Path) -> None:
    source, mirror = tmp_path / "archive", tmp_path / "mirror"
    (source / "2026-11").mkdir(parents=True)
    (source / "2026-11" / "a.jsonl").write_text('{"n": 1}\n{"n": 2}\n', encoding="utf-8")
    (mirror / "2026-11").mkdir(parents=True)
    (mirror / "2026-11" / "a.jsonl").write_text('{"n": 9}\n', encoding="utf-8")
    mirror_archive(source, mirror)
    assert (mirror / "2026-11" / "a.jsonl").read_text() == '{"n": 1}\n{"n": 2}\n'


def test_a_failed_backup_is_reported_and_the_bot_runs_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _data_folder(tmp_path)

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.persistence.store.gzip.open", no_space)
    result = store.backup(date(2026, 11, 23), 14)
    assert not result.ok and result.path is None
    assert "2026-11-23" in (result.error or "") and "No space left" in (result.error or "")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == []
    monkeypatch.undo()
    store.db("team").insert({"name": "李四"})  # the data folder is still usable
    assert store.backup(date(2026, 11, 23), 14).ok


def test_disk_usage_counts_each_part_and_hard_links_once(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    store.backup(date(2026, 11, 23), 14)
    (tmp_path / "images" / "2026-11").mkdir(parents=True)
    (tmp_path / "images" / "2026-11" / "a.png").write_bytes(b"x" * 10_000)
    os.link(tmp_path / "images" / "2026-11" / "a.png", tmp_path / "images" / "b.png")
    usage = store.disk_usage()
    assert usage.live > 0 and usage.archives > 0 and usage.backups > 0
    assert 10_000 <= usage.images < 20_000
    assert usage.total == usage.live + usage.archives + usage.backups + usage.images + usage.other


@pytest.mark.parametrize(
    ("name", "content", "named"),
    [
        ("orders", '{"orders": {"1": {"order_no": "A1", "updated": "x"}}}', "events"),
        (
            "team",
            '{"members": {"1": {"user_id": "7", "work_no": "1", "name": "a", "role": "agent"}}}',
            "user_id",
        ),
        ("schedule", '{"timers": {"1": {"key": "a", "kind": "b", "due": "c"}}}', "payload"),
        ("deadlines-03", '{"items": {"3": {"id": 3, "type": "dunning"}}}', "ref"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_at_start_naming_what_is_wrong(
    tmp_path: Path, name: str, content: str, named: str
) -> None:
    import bot.persistence.deadlines
    import bot.persistence.members
    import bot.persistence.orders
    import bot.persistence.timers  # noqa: F401

    path = tmp_path / f"{name}.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        Store(tmp_path).check_all()
    assert f"{name}.json" in str(caught.value) and named in str(caught.value)
    assert path.read_text(encoding="utf-8") == content


def test_the_bot_does_not_start_over_an_empty_team_file_and_leaves_it(tmp_path: Path) -> None:
    (tmp_path / "team.json").write_text("", encoding="utf-8")
    with pytest.raises(StorageCorrupt) as caught:
        Harness(tmp_path)
    assert "team.json" in str(caught.value)
    assert (tmp_path / "team.json").read_text(encoding="utf-8") == ""
    assert not (tmp_path / "team.json.journal").exists()


def test_a_store_table_is_indexed_by_each_named_field(tmp_path: Path) -> None:
    store = Store(tmp_path)
    table = store.table("team", "members", "user_id", "work_no")
    table.insert({"user_id": 7, "work_no": "3"})
    assert [d["work_no"] for d in table.search_by("user_id", 7)] == ["3"]
    assert table.ids_by("work_no", "3") == [1]
    assert store.table("team", "members") is table
