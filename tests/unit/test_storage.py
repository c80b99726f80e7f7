"""The atomic TinyDB storage and the data folder: corruption, start checks, backups."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.persistence.storage import AtomicJSONStorage, StorageCorrupt, open_db, write_atomically
from bot.persistence.store import Store


def test_a_write_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    db = open_db(tmp_path / "open.json")
    db.table("items").insert({"name": "退款", "n": 1})
    db.table("items").update({"n": 2})
    data = json.loads((tmp_path / "open.json").read_text(encoding="utf-8"))
    assert list(data["items"].values()) == [{"name": "退款", "n": 2}]
    assert [p.name for p in tmp_path.iterdir()] == ["open.json"]


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


def test_a_file_whose_tables_are_not_tables_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    path.write_text('{"members": [1, 2]}', encoding="utf-8")
    with pytest.raises(StorageCorrupt):
        AtomicJSONStorage(path).read()


def test_an_empty_or_missing_file_is_an_empty_database(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("  \n", encoding="utf-8")
    assert open_db(tmp_path / "empty.json").tables() == set()
    assert open_db(tmp_path / "missing.json").tables() == set()


def test_a_failed_write_drops_the_memory_copy_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "open.json"
    db = open_db(path)
    db.insert({"a": 1})

    def no_space(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.persistence.storage.os.replace", no_space)
    with pytest.raises(OSError):
        db.insert({"a": 2})
    monkeypatch.undo()
    assert db.all() == [{"a": 1}]  # re-read from disk, not the half-applied memory copy
    assert [p.name for p in tmp_path.iterdir()] == ["open.json"]


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


def test_check_all_accepts_good_and_empty_files(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.db("team").insert({"ok": True})
    (tmp_path / "blank.json").write_text("\n", encoding="utf-8")
    store.check_all()


def test_a_temp_file_left_by_a_killed_write_is_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / "team.json").write_text("{}", encoding="utf-8")
    stale = tmp_path / ".team.json.k3j2h1.tmp"
    stale.write_text('{"members": {"1"', encoding="utf-8")
    Store(tmp_path)
    assert not stale.exists()
    assert (tmp_path / "team.json").exists()


def _data_folder(root: Path) -> Store:
    store = Store(root)
    store.db("team").insert({"name": "张三"})
    store.archive.append("outbox", "2026-11", {"key": "a"})
    (root / "logs").mkdir()
    (root / "logs" / "bot.log").write_text("log", encoding="utf-8")
    return store


def test_backup_copies_the_data_folder_once_a_day(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    day = date(2026, 11, 23)
    made = store.backup(day, 14)
    assert made == tmp_path / "backups" / "2026-11-23"
    assert json.loads((made / "team.json").read_text(encoding="utf-8"))["_default"]
    assert (made / "archive" / "2026-11" / "outbox.jsonl").exists()
    assert not (made / "logs").exists() and not (made / "backups").exists()
    store.db("team").insert({"name": "李四"})
    assert store.backup(day, 14) is None  # same day: the morning copy is kept as it was
    assert len(json.loads((made / "team.json").read_text(encoding="utf-8"))["_default"]) == 1


def test_backup_keeps_the_last_backup_days_copies(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    first = date(2026, 11, 1)
    for offset in range(20):
        store.backup(first + timedelta(days=offset), 14)
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(kept) == 14
    assert kept[0] == (first + timedelta(days=6)).isoformat()
    assert kept[-1] == (first + timedelta(days=19)).isoformat()


def test_backup_ignores_foreign_folders_and_a_half_made_copy(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    backups = tmp_path / "backups"
    (backups / "手工备份").mkdir(parents=True)
    (backups / ".2026-11-23.partial").mkdir()
    made = store.backup(date(2026, 11, 23), 14)
    assert made is not None and (made / "team.json").exists()
    assert (backups / "手工备份").exists()
    assert not (backups / ".2026-11-23.partial").exists()


def test_unchanged_archive_months_are_linked_not_copied_again(tmp_path: Path) -> None:
    store = _data_folder(tmp_path)
    store.archive.append("orders", "2026-10", {"order": "A1"})
    first = store.backup(date(2026, 11, 23), 14)
    store.archive.append("outbox", "2026-11", {"key": "later"})  # this month grows
    second = store.backup(date(2026, 11, 24), 14)
    old_month = second / "archive" / "2026-10" / "orders.jsonl"
    this_month = second / "archive" / "2026-11" / "outbox.jsonl"
    assert (
        old_month.stat().st_ino == (first / "archive" / "2026-10" / "orders.jsonl").stat().st_ino
    )
    assert (
        this_month.stat().st_ino != (first / "archive" / "2026-11" / "outbox.jsonl").stat().st_ino
    )
    assert "later" in this_month.read_text(encoding="utf-8")
    assert "later" not in (first / "archive" / "2026-11" / "outbox.jsonl").read_text(
        encoding="utf-8"
    )
    live = tmp_path / "archive" / "2026-10" / "orders.jsonl"
    assert old_month.stat().st_ino != live.stat().st_ino  # never linked to the live file
