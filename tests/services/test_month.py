"""The month service without an Application: quotas at month change, finalizing, join dates."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.config import parse_settings
from bot.domain.members import Member
from bot.persistence.timers import Notification
from bot.services.container import Services
from bot.wiring import build_services

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)  # close to the month change: short advances
JOINER = 555001


class Told:
    """A messenger and a scheduler delivery that only record (no Telegram here)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.texts: list[str] = []

    async def to_member(self, member: Member, text: str, *_args: object) -> None:
        self.texts.append(f"{member.work_no}: {text}")

    async def to_chat(self, chat_id: int, text: str, *_args: object) -> None:
        self.texts.append(f"{chat_id}: {text}")

    async def deliver(self, items: list[tuple[Notification, bool]]) -> None:
        """Take the other features' reminders as sent."""
        keys = [n.key for n, _ in items]
        self.svc.scheduler.outbox.mark_sent(keys, self.svc.clock.now(), "test")


def services_at(root: Path) -> tuple[Services, ManualClock, Told]:
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    clock = ManualClock(NOW)
    svc, _delivery = build_services(parse_settings(raw), root, clock)
    told = Told(svc)
    svc.scheduler.deliver_with(told.deliver)
    svc.month.messenger = told  # type: ignore[assignment]
    return svc, clock, told


async def test_an_agent_who_joined_mid_month_gets_no_bonus_for_the_smallest_total(
    tmp_path: Path,
) -> None:
    svc, clock, told = services_at(tmp_path)
    svc.team.request_join(JOINER, None, "7", "王小明", NOW)
    svc.team.decide(JOINER, approve=True, now=NOW)
    await svc.scheduler.advance_to(datetime(2026, 12, 1, 0, 20, tzinfo=TZ), clock.set)
    quotas = {q.work_no: q for q in svc.month.discounts.quotas("2026-12")}
    assert quotas["7"].bonus == 0 and quotas["7"].count == 5
    assert quotas["1"].bonus == 2 and quotas["1"].count == 7  # on the team all month, 0 元
    assert "7: 📅 2026-12 优惠特批额度：5 次、500 元。" in told.texts


async def test_the_month_change_runs_once_even_when_its_timer_fires_again(
    tmp_path: Path,
) -> None:
    svc, clock, told = services_at(tmp_path)
    await svc.scheduler.advance_to(datetime(2026, 12, 1, 0, 20, tzinfo=TZ), clock.set)
    first = svc.month.discounts.quotas("2026-12")
    said = len(told.texts)
    timer = type("T", (), {"due": datetime(2026, 12, 1, 0, 10, tzinfo=TZ)})()
    await svc.month.on_quotas(timer, False)  # type: ignore[arg-type]
    assert svc.month.discounts.quotas("2026-12") == first and len(told.texts) == said


async def test_last_months_sheet_is_final_after_the_grace_days(tmp_path: Path) -> None:
    svc, clock, told = services_at(tmp_path)
    lead = svc.members.by_work_no("80")
    assert lead is not None
    svc.month.set_entry(lead, ["1", "服务", "优"], NOW)
    await svc.scheduler.advance_to(datetime(2026, 12, 1, 0, 40, tzinfo=TZ), clock.set)
    sheet = svc.month.kpi.sheet("2026-11")
    assert sheet is not None
    final_at, rows = sheet
    assert final_at == datetime(2026, 12, 1, 0, 30, tzinfo=TZ)
    assert next(r for r in rows if r.work_no == "1").part("service").points == 20
    assert any("2026-11 客服考核" in t and "已定稿" in t for t in told.texts)
