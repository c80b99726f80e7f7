"""The team service without an Application: join requests, roles, removal."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import parse_settings
from bot.domain import team_text
from bot.domain.errors import UserError
from bot.domain.members import Member, Role
from bot.services.container import Services
from bot.wiring import build_services

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
STRANGER = 555001


def services_at(root: Path) -> Services:
    """Return every service of the demo team, wired as the bot wires them."""
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    svc, _delivery = build_services(parse_settings(raw), root, ManualClock(NOW))
    return svc


def member(svc: Services, work_no: str) -> Member:
    found = svc.members.by_work_no(work_no)
    assert found is not None
    return found


def test_an_approved_request_makes_an_agent_once(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    request = svc.team.request_join(STRANGER, "wxm", "7", "王小明", NOW)
    assert svc.members.request(STRANGER) == request and request.at == NOW
    outcome = svc.team.decide(STRANGER, approve=True, now=NOW)
    assert outcome.member is not None and outcome.member.role is Role.AGENT
    joined = svc.members.get(STRANGER)
    assert joined is not None and joined.work_no == "7" and joined.username == "wxm"
    assert joined.extra["joined"] == "2026-11-23T01:30:00+00:00"  # for mid-month quotas
    assert svc.members.request(STRANGER) is None
    again = svc.team.decide(STRANGER, approve=True, now=NOW)
    assert again.request is None
    assert team_text.decision(again, member(svc, "80"))[0] == "该申请已处理过了。"


def test_a_rejected_request_is_forgotten_and_makes_no_member(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    svc.team.request_join(STRANGER, None, "7", "王小明", NOW)
    outcome = svc.team.decide(STRANGER, approve=False, now=NOW)
    assert outcome.member is None and not outcome.taken
    answer, alert, edited = team_text.decision(outcome, member(svc, "80"))
    assert (answer, alert) == ("已拒绝。", False)
    assert edited == "王小明（工号 7）的加入申请已被 李组长 拒绝。"
    assert svc.members.get(STRANGER) is None and svc.members.request(STRANGER) is None


def test_a_work_number_taken_meanwhile_cannot_be_approved(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    svc.team.request_join(STRANGER, None, "7", "王小明", NOW)
    svc.members.save(Member(555002, "7", "抢先"))
    outcome = svc.team.decide(STRANGER, approve=True, now=NOW)
    assert outcome.taken and outcome.member is None
    assert team_text.decision(outcome, member(svc, "80"))[:2] == ("工号已被占用，无法批准。", True)
    assert svc.members.get(STRANGER) is None


def test_a_request_for_a_taken_work_number_is_refused_and_not_stored(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    with pytest.raises(UserError, match="工号 1 已被 张三 使用"):
        svc.team.request_join(STRANGER, None, "1", "王", NOW)
    assert svc.members.request(STRANGER) is None


def test_a_long_name_is_cut_to_twenty_characters(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    request = svc.team.request_join(STRANGER, None, "7", "王" * 30, NOW)
    assert request.name == "王" * 20


def test_the_only_admin_cannot_demote_themselves_but_a_second_admin_makes_it_possible(
    tmp_path: Path,
) -> None:
    svc = services_at(tmp_path)
    admin = member(svc, "90")
    with pytest.raises(UserError, match="唯一的主管"):
        svc.team.set_role(admin, admin, Role.LEAD)
    assert member(svc, "90").role is Role.ADMIN
    promoted = svc.team.set_role(admin, member(svc, "80"), Role.ADMIN)
    assert promoted == "80号 李组长 的角色已改为主管。"
    svc.team.set_role(admin, admin, Role.LEAD)
    assert member(svc, "90").role is Role.LEAD and member(svc, "80").role is Role.ADMIN


def test_a_member_named_by_a_bad_or_unknown_work_number_is_refused(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    assert svc.team.member("3号").name == "王五"
    with pytest.raises(UserError, match="工号应为数字"):
        svc.team.member("王五")
    with pytest.raises(UserError, match="没有工号为 42 的成员"):
        svc.team.member("42")


def test_a_removed_member_is_gone_but_nobody_removes_themselves(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    admin = member(svc, "90")
    with pytest.raises(UserError, match="不能移除自己"):
        svc.team.remove(admin, admin)
    assert svc.team.remove(admin, member(svc, "3")) == "已移除 3号 王五。其历史记录保留。"
    assert svc.members.by_work_no("3") is None and svc.members.by_work_no("90") is not None


def test_start_in_private_records_that_the_member_can_be_messaged(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    svc.team.allow_private(member(svc, "1"))
    assert member(svc, "1").can_dm is True


def test_the_team_list_writes_each_member_one_way() -> None:
    members = [
        Member(1, "1", "张三", shift="day", can_dm=True),
        Member(2, "80", "李组长", Role.LEAD, can_dm=False),
    ]
    assert team_text.team_list(members, {"day": "白班"}) == (
        "团队成员：\n"
        "1号 张三 · 客服 · 白班 · 可私信\n"
        "80号 李组长 · 组长 · 未排班 · 无法私信（未私聊 /start）"
    )
