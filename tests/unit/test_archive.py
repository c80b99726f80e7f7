"""Monthly JSON-lines archives: appends, torn lines from a crash, months."""

from __future__ import annotations

from pathlib import Path

from bot.persistence.archive import Archive


def test_appended_records_read_back_in_order(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.append("handover", "2026-11", {"id": 1, "text": "退款单 已处理"})
    archive.extend("handover", "2026-11", [{"id": 2}, {"id": 3}])
    assert [r["id"] for r in archive.read("handover", "2026-11")] == [1, 2, 3]
    assert next(iter(archive.read("handover", "2026-11")))["text"] == "退款单 已处理"


def test_a_torn_last_line_is_skipped_and_later_appends_still_read(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.append("outbox", "2026-11", {"key": "a"})
    path = archive.path("outbox", "2026-11")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"key": "b", "te')  # the process died in the middle of this line
    assert [r["key"] for r in archive.read("outbox", "2026-11")] == ["a"]
    archive.append("outbox", "2026-11", {"key": "c"})
    assert [r["key"] for r in archive.read("outbox", "2026-11")] == ["a", "c"]
    assert path.read_text(encoding="utf-8").count("\n") == 3


def test_an_empty_extend_creates_nothing(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.extend("outbox", "2026-11", [])
    assert not archive.path("outbox", "2026-11").exists()
    assert list(archive.read("outbox", "2026-11")) == []


def test_months_lists_only_months_holding_that_archive(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    assert archive.months("outbox") == []
    archive.append("outbox", "2026-12", {"k": 1})
    archive.append("outbox", "2026-10", {"k": 1})
    archive.append("handover", "2026-11", {"k": 1})
    assert archive.months("outbox") == ["2026-10", "2026-12"]
    assert archive.months("handover") == ["2026-11"]


def test_a_key_index_finds_a_keys_records_across_months(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    index = archive.index_by("orders", lambda r: r["order_no"])
    archive.extend("orders", "2026-10", [{"order_no": "A", "n": 1}, {"order_no": "B", "n": 2}])
    archive.append("orders", "2026-11", {"order_no": "A", "n": 3})
    assert [r["n"] for r in index.find("A")] == [1, 3]
    assert index.months_of("B") == ["2026-10"] and index.find("C") == []
    archive.append("orders", "2026-11", {"order_no": "C", "n": 4})  # after the first lookup
    assert [r["n"] for r in index.find("C")] == [4]


def test_a_key_index_completes_itself_from_records_written_without_it(tmp_path: Path) -> None:
    Archive(tmp_path).extend("orders", "2026-10", [{"order_no": "A"}, {"order_no": "B"}])
    archive = Archive(tmp_path)
    index = archive.index_by("orders", lambda r: r["order_no"])
    archive.append("orders", "2026-10", {"order_no": "A", "late": True})
    Archive(tmp_path).append("orders", "2026-10", {"order_no": "B", "late": True})  # no index
    again = Archive(tmp_path).index_by("orders", lambda r: r["order_no"])
    assert [r.get("late", False) for r in again.find("A")] == [False, True]
    assert [r.get("late", False) for r in again.find("B")] == [False, True]
    assert len(index.find("B")) == 2  # the first index, reading the same files
    keys = tmp_path / "2026-10" / "orders.keys"
    keys.write_bytes(keys.read_bytes()[:-5])  # an entry torn by a crash
    assert len(Archive(tmp_path).index_by("orders", lambda r: r["order_no"]).find("B")) == 2


def test_a_line_that_is_not_utf8_is_skipped_like_a_torn_one(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.append("handover", "2026-11", {"id": 1})
    with open(archive.path("handover", "2026-11"), "ab") as handle:
        handle.write('{"id": 2, "text": "交接"}\n'.encode("gbk"))
    archive.append("handover", "2026-11", {"id": 3})
    assert [r["id"] for r in archive.read("handover", "2026-11")] == [1, 3]


def test_records_extended_by_month_land_in_their_own_month_in_order(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    days = ["2026-11-30", "2026-10-02", "2026-11-01", "2026-10-31"]
    archive.extend_by_month("roster", ({"day": d} for d in days), lambda r: r["day"][:7])
    assert archive.months("roster") == ["2026-10", "2026-11"]
    assert [r["day"] for r in archive.read("roster", "2026-10")] == ["2026-10-02", "2026-10-31"]
    assert [r["day"] for r in archive.read("roster", "2026-11")] == ["2026-11-30", "2026-11-01"]
