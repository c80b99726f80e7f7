"""Repositories of discount requests, quotas, the lead's KPI entries and final sheets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.discounts import Gift, NextQuota, Quota, State, decide
from bot.domain.errors import UserError
from bot.domain.kpi import AgentInputs, Attendance, KpiRules, score
from bot.persistence.discounts import DiscountRepo
from bot.persistence.kpi import KpiRepo
from bot.persistence.store import Store

TZ = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def test_a_request_keeps_its_state_and_survives_a_restart(store: Store, tmp_path: Path) -> None:
    repo = DiscountRepo(store, TZ)
    first = repo.add_request(
        "3659284710562839471", "1", "张三", 2, D("150.5"), "回购", at("2026-11-23 10:00")
    )
    second = repo.add_request(
        "3659284710562839472", "2", "李四", 3, D(300), "团购", at("2026-11-23 10:05")
    )
    assert (first.number, second.number) == (1, 2)
    full = Quota(count=5, amount=D(500), used_count=5)
    repo.save(decide(first, True, "80", "李组长", at("2026-11-23 10:30"), full))
    store.close()
    again = DiscountRepo(Store(tmp_path / "data"), TZ)
    stored = again.get(1)
    assert stored is not None and stored.state is State.APPROVED and stored.over_quota
    assert stored.amount == D("150.50") and stored.decided_by_name == "李组长"
    assert [r.number for r in again.pending()] == [2]


def test_numbers_are_never_reused_after_archiving(store: Store) -> None:
    repo = DiscountRepo(store, TZ)
    request = repo.add_request(
        "3659284710562839471", "1", "张三", 2, D(200), "回购", at("2026-10-30 10:00")
    )
    repo.save(decide(request, False, "80", "李组长", at("2026-10-30 11:00"), Quota(5, D(500))))
    assert repo.archive_before("2026-11") == 1
    assert repo.get(1) is None and [r.number for r in repo.decided_in("2026-10")] == [1]
    assert (
        repo.add_request(
            "3659284710562839471", "1", "张三", 2, D(200), "再申请", at("2026-11-02 10:00")
        ).number
        == 2
    )


def test_decisions_and_gifts_are_found_by_the_teams_month_live_or_archived(store: Store) -> None:
    repo = DiscountRepo(store, TZ)
    quota = Quota(5, D(500))
    for number, decided in enumerate(
        ("2026-10-31 23:50", "2026-11-01 00:10", "2026-11-15 09:00"), 1
    ):
        request = repo.add_request(
            f"36592847105628394{number:02d}",
            "1",
            "张三",
            2,
            D(120),
            "回购",
            at("2026-10-31 23:00"),
        )
        repo.save(decide(request, True, "80", "李组长", at(decided), quota))
    pending = repo.add_request(
        "3659284710562839499", "1", "张三", 2, D(120), "回购", at("2026-10-31 23:30")
    )
    repo.add_gift(Gift("3659284710562839471", "1", "张三", "床笠", at("2026-10-31 22:00")))
    repo.add_gift(Gift("3659284710562839472", "2", "李四", "记忆枕", at("2026-11-01 08:00")))
    assert repo.archive_before("2026-11") == 2  # October's decision and October's gift
    assert [r.number for r in repo.decided_in("2026-10")] == [1]
    assert [r.number for r in repo.decided_in("2026-11")] == [2, 3]
    assert [r.number for r in repo.pending()] == [pending.number]  # pending stays live
    assert [g.gift for g in repo.gifts_in("2026-10")] == ["床笠"]
    assert [g.gift for g in repo.gifts_in("2026-11")] == ["记忆枕"]


def test_quotas_are_stored_per_agent_and_month(store: Store) -> None:
    repo = DiscountRepo(store, TZ)
    repo.set_quota(NextQuota("1", "2026-12", 7, D(500), bonus=2))
    repo.set_quota(NextQuota("2", "2026-12", 3, D(500), excess=2))
    repo.set_quota(NextQuota("2", "2026-12", 4, D(500), excess=1))  # recomputed: replaced
    assert repo.quota("2026-12", "1") == NextQuota("1", "2026-12", 7, D(500), bonus=2)
    assert [(q.work_no, q.count) for q in repo.quotas("2026-12")] == [("1", 7), ("2", 4)]
    assert repo.quota("2026-11", "1") is None


def test_the_latest_grade_counts_and_a_withdrawn_deduction_does_not(store: Store) -> None:
    repo = KpiRepo(store)
    repo.set_grade("2026-11", "1", "service", "良", "80", at("2026-11-10 10:00"))
    repo.set_grade("2026-11", "1", "service", "优", "80", at("2026-11-10 10:00"))  # same second
    repo.set_refund_rate("2026-11", "1", D("3.5"), "80", at("2026-11-20 10:00"))
    complaint = repo.add_adjustment(
        "2026-11", "1", "complaint", -10, "态度差", "80", at("2026-11-12 10:00")
    )
    repo.add_adjustment("2026-11", "1", "praise", 2, "买家表扬", "80", at("2026-11-13 10:00"))
    repo.add_adjustment("2026-11", "2", "low_review", -5, "差评", "80", at("2026-11-13 10:00"))
    assert repo.withdraw(complaint.number, "2026-11") == complaint
    assert repo.withdraw(complaint.number, "2026-11") is None
    entries = repo.entries("2026-11")
    assert entries["1"].grades == {"service": "优"} and entries["1"].refund_rate == D("3.5")
    assert [(a.kind, a.points) for a in entries["1"].adjustments] == [("praise", 2)]
    assert [a.reason for a in entries["2"].adjustments] == ["差评"]
    assert [d["type"] for d in repo.history("2026-11", "1")] == [
        "grade",
        "grade",
        "adjustment",
        "adjustment",
        "rate",
    ]


def test_a_final_sheet_is_archived_once_and_its_month_takes_no_more_entries(
    store: Store, tmp_path: Path
) -> None:
    repo = KpiRepo(store)
    repo.set_grade("2026-11", "1", "service", "优", "80", at("2026-11-10 10:00"))
    repo.set_grade("2026-12", "1", "service", "良", "80", at("2026-12-01 09:00"))
    rules = KpiRules()
    row = score(
        AgentInputs("1", "张三", Attendance(late=1), (), repo.entries("2026-11")["1"]), rules
    )
    assert repo.finalize("2026-11", [row], at("2026-12-01 00:30"))
    assert not repo.finalize("2026-11", [row], at("2026-12-01 00:31"))
    with pytest.raises(UserError, match="已定稿"):
        repo.set_grade("2026-11", "1", "service", "差", "80", at("2026-12-01 10:00"))
    store.close()
    again = KpiRepo(Store(tmp_path / "data"))
    final = again.sheet("2026-11")
    assert final is not None and final[0] == at("2026-12-01 00:30") and final[1] == [row]
    assert again.entries("2026-11")["1"].grades == {"service": "优"}  # read from the archive
    assert again.entries("2026-12")["1"].grades == {"service": "良"}
    assert again.final_months() == ["2026-11"] and again.sheet("2026-12") is None
