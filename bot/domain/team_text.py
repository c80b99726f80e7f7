"""How the team commands read in Chinese: /start, join requests, /team, /role, /remove."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.members import JoinDecision, JoinRequest, Member, Role, short_name
from bot.domain.roster_rules import fmt_rest_days

ALREADY_MEMBER = "您已经是团队成员了，发送 /help 查看可用命令。"
PICK_SHIFT = "请组长选择班次（当天生效；休息日用 /shift 设置）："
JOIN_PENDING = "您的加入申请已提交，正在等待组长或主管确认，请勿重复申请。"


def greeting(member: Member, private: bool) -> str:
    """Return the reply to /start: private reminders are on, or how to turn them on."""
    if private:
        return (
            f"您好，{member.display}！已开启私信提醒，值班提醒会私聊发给您。\n"
            "发送 /help 查看可用命令。"
        )
    return (
        f"您好，{member.display}！请私聊机器人发送 /start，"
        "这样提醒才能私信发给您。发送 /help 查看可用命令。"
    )


def join_asked(request: JoinRequest) -> str:
    """Return the group message a lead approves or rejects."""
    return f"{request.name}（工号 {request.work_no}）申请加入团队，请组长或主管确认。"


def join_collected(requests: list[JoinRequest], per_hour: int) -> str:
    """Return the one card that collects the join requests over the hourly limit."""
    if not requests:
        return "以上合并显示的加入申请均已处理。"
    lines = [
        f"本小时加入申请已超过 {per_hour} 份，其余申请合并在这里，请组长或主管逐一确认：",
        *(f"· {r.name}（工号 {r.work_no}）" for r in requests),
    ]
    return "\n".join(lines)


def decision(outcome: JoinDecision, decider: Member) -> tuple[str, bool, str | None]:
    """Return the button answer, whether it is an alert, and the new text of the request."""
    request, member = outcome.request, outcome.member
    if member is not None:
        return (
            "已批准。",
            False,
            f"欢迎 {member.display} 加入团队（{decider.name} 批准）。\n"
            "请私聊机器人发送 /start，这样提醒才能私信发给您。",
        )
    if request is None:
        return "该申请已处理过了。", False, None
    if outcome.taken:
        return "工号已被占用，无法批准。", True, None
    return (
        "已拒绝。",
        False,
        f"{request.name}（工号 {request.work_no}）的加入申请已被 {decider.name} 拒绝。",
    )


def rest_days_hint(member: Member) -> str:
    """Return how a lead sets the weekly rest days of a member put on a shift by button."""
    return f"设置每周休息日：/shift {member.work_no} <班次> 周六 周日"


def team_list(members: list[Member], shift_names: Mapping[str, str]) -> str:
    """Return /team: each member's 工号, role, shift, rest days and whether DMs reach them."""
    lines = ["团队成员："]
    for m in members:
        shift = shift_names.get(m.shift) if m.shift else None
        dm = {True: "可私信", False: "无法私信（未私聊 /start）", None: "未确认私信"}[m.can_dm]
        rest = f"（每周休 {fmt_rest_days(m.days_off)}）" if m.days_off else ""
        duty = f"{shift}{rest}" if shift else "未排班"
        lines.append(f"{short_name(m)} · {m.role.label} · {duty} · {dm}")
    return "\n".join(lines)


def role_changed(member: Member, role: Role) -> str:
    """Return the reply to /role."""
    return f"{short_name(member)} 的角色已改为{role.label}。"


def removed(member: Member) -> str:
    """Return the reply to /remove."""
    return f"已移除 {short_name(member)}。其历史记录保留。"


def settings_applied(changes: list[tuple[Member, Member]], shift_names: Mapping[str, str]) -> str:
    """Return the line to admins listing roster changes the settings file made at start."""

    def shift(member: Member) -> str:
        return shift_names.get(member.shift, member.shift) if member.shift else "未排班"

    lines = ["⚙️ 设置文件中的排班有改动，已在启动时生效："]
    for before, after in changes:
        parts = []
        if before.shift != after.shift:
            parts.append(f"班次 {shift(before)} → {shift(after)}")
        if before.days_off != after.days_off:
            parts.append(
                f"休息日 {fmt_rest_days(before.days_off)} → {fmt_rest_days(after.days_off)}"
            )
        lines.append(f"{short_name(after)}：{'；'.join(parts)}")
    lines.append("以后组长可直接用 /shift <工号> <班次> [休息日…] 修改，无需改设置文件、重启。")
    return "\n".join(lines)
