"""Team basics: /start, /help, /join with approval, /team, /role, /remove."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, MessageHandler, filters

from bot.domain.members import Member, Role, parse_work_no
from bot.handlers.common import (
    ButtonSpec,
    CommandSpec,
    add_button,
    add_command,
    args_of,
    command_word,
    is_private,
    member_of,
    reply,
    require_member,
)
from bot.handlers.context import BotContext

TITLE = "团队"
COMMANDS = [
    CommandSpec("start", "/start", "开始使用；私聊发送后机器人才能私信提醒您"),
    CommandSpec("help", "/help", "查看您可以使用的命令"),
    CommandSpec(
        "join",
        "/join <工号> <姓名>",
        "申请加入团队（组长或主管批准）",
        min_role=None,
        where="group",
    ),
    CommandSpec("team", "/team", "成员列表：工号、角色、能否私信"),
    CommandSpec("role", "/role <工号> agent|lead|admin", "设置成员角色", min_role=Role.ADMIN),
    CommandSpec("remove", "/remove <工号>", "移除成员", min_role=Role.ADMIN),
]

BUTTONS = [ButtonSpec(r"^join:(ok|no):\d+$", Role.LEAD, "需要组长权限才能审批。")]

JOIN_USAGE = "用法：/join <工号> <姓名>，例如 /join 7 王小明"
ROLE_USAGE = "用法：/role <工号> agent|lead|admin，例如 /role 3 lead"
REMOVE_USAGE = "用法：/remove <工号>，例如 /remove 7"


def register(app: Application) -> None:
    """Wire the team commands."""
    handlers = {
        "start": start,
        "help": help_command,
        "join": join,
        "team": team,
        "role": role,
        "remove": remove,
    }
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])
    add_button(app, BUTTONS[0], join_decision)
    # Last group: runs after every feature, answers only commands nobody knows.
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command), group=UNKNOWN_GROUP)


UNKNOWN_GROUP = 99


async def start(update: Update, context: BotContext) -> None:
    """Record that the bot may message this member privately; greet them."""
    member = require_member(update, context)
    if is_private(update):
        context.svc.members.update(member.user_id, can_dm=True)
        await reply(
            update,
            f"您好，{member.display}！已开启私信提醒，值班提醒会私聊发给您。\n"
            "发送 /help 查看可用命令。",
        )
    else:
        await reply(
            update,
            f"您好，{member.display}！请私聊机器人发送 /start，"
            "这样提醒才能私信发给您。发送 /help 查看可用命令。",
        )


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands this member's role may use, by feature."""
    member = require_member(update, context)
    sections: list[tuple[str, list[CommandSpec]]] = context.bot_data["help_sections"]
    lines = [f"{member.display}（{member.role.label}）可用的命令："]
    for title, specs in sections:
        allowed = [s for s in specs if s.min_role is None or member.role >= s.min_role]
        if not allowed:
            continue
        lines.append(f"\n【{title}】")
        for spec in allowed:
            alias = (
                f"（也可用 {'、'.join('/' + a for a in spec.aliases)}）" if spec.aliases else ""
            )
            lines.append(f"{spec.usage} — {spec.description}{alias}")
    await reply(update, "\n".join(lines))


async def join(update: Update, context: BotContext) -> None:
    """Ask to join the team; leads and admins get approve/reject buttons."""
    user = update.effective_user
    if user is None:
        return
    if member_of(update, context) is not None:
        await reply(update, "您已经是团队成员了，发送 /help 查看可用命令。")
        return
    args = args_of(update.effective_message)
    if len(args) < 2:
        await reply(update, JOIN_USAGE)
        return
    try:
        work_no = parse_work_no(args[0])
    except ValueError as err:
        await reply(update, f"{err}\n{JOIN_USAGE}")
        return
    name = " ".join(args[1:])[:20]
    taken = context.svc.members.by_work_no(work_no)
    if taken is not None:
        await reply(update, f"工号 {work_no} 已被 {taken.name} 使用，请核对工号。")
        return
    svc = context.svc
    svc.members.add_request(user.id, work_no, name, user.username, svc.clock.now().isoformat())
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("批准", callback_data=f"join:ok:{user.id}"),
                InlineKeyboardButton("拒绝", callback_data=f"join:no:{user.id}"),
            ]
        ]
    )
    await reply(
        update, f"{name}（工号 {work_no}）申请加入团队，请组长或主管确认。", reply_markup=buttons
    )


async def join_decision(update: Update, context: BotContext) -> None:
    """Approve or reject a join request (leads and admins only)."""
    query = update.callback_query
    decider = require_member(update, context)
    _, verdict, raw_id = query.data.split(":")
    user_id = int(raw_id)
    request = context.svc.members.request(user_id)
    if request is None:
        await query.answer("该申请已处理过了。")
        return
    context.svc.members.drop_request(user_id)
    if verdict == "no":
        await query.answer("已拒绝。")
        await query.edit_message_text(
            f"{request['name']}（工号 {request['work_no']}）的加入申请已被 {decider.name} 拒绝。"
        )
        return
    if context.svc.members.by_work_no(request["work_no"]) is not None:
        await query.answer("工号已被占用，无法批准。", show_alert=True)
        return
    member = Member(
        user_id=user_id,
        work_no=request["work_no"],
        name=request["name"],
        username=request.get("username"),
    )
    context.svc.members.save(member)
    await query.answer("已批准。")
    await query.edit_message_text(
        f"欢迎 {member.display} 加入团队（{decider.name} 批准）。\n"
        "请私聊机器人发送 /start，这样提醒才能私信发给您。"
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point a member who typed an unknown command to /help (in groups only when addressed)."""
    message = update.effective_message
    word = command_word(message)
    if word is None or word in context.bot_data["commands"]:
        return
    addressed = f"@{context.bot.username}".lower() in (message.text or "").lower()
    if is_private(update) or addressed:
        await reply(update, f"没有 /{word} 这个命令，发送 /help 查看可用命令。")


async def team(update: Update, context: BotContext) -> None:
    """List members with 工号, role, shift and whether they can be messaged privately."""
    settings = context.svc.settings
    lines = ["团队成员："]
    for m in context.svc.members.all():
        shift = settings.shift(m.shift) if m.shift else None
        dm = {True: "可私信", False: "无法私信（未私聊 /start）", None: "未确认私信"}[m.can_dm]
        lines.append(
            f"{m.work_no}号 {m.name} · {m.role.label} · {shift.name if shift else '未排班'} · {dm}"
        )
    await reply(update, "\n".join(lines))


async def role(update: Update, context: BotContext) -> None:
    """Change a member's role (admins only)."""
    admin = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 2:
        await reply(update, ROLE_USAGE)
        return
    target = _member_by_arg(context, args[0])
    if isinstance(target, str):
        await reply(update, f"{target}\n{ROLE_USAGE}")
        return
    try:
        new_role = Role.parse(args[1])
    except ValueError as err:
        await reply(update, f"{err}\n{ROLE_USAGE}")
        return
    if target.user_id == admin.user_id and new_role < Role.ADMIN and _last_admin(context):
        await reply(update, "您是唯一的主管，不能降低自己的角色。请先任命另一位主管。")
        return
    context.svc.members.update(target.user_id, role=new_role)
    await reply(update, f"{target.work_no}号 {target.name} 的角色已改为{new_role.label}。")


async def remove(update: Update, context: BotContext) -> None:
    """Remove a member (admins only); their history stays."""
    admin = require_member(update, context)
    args = args_of(update.effective_message)
    if len(args) != 1:
        await reply(update, REMOVE_USAGE)
        return
    target = _member_by_arg(context, args[0])
    if isinstance(target, str):
        await reply(update, f"{target}\n{REMOVE_USAGE}")
        return
    if target.user_id == admin.user_id:
        await reply(update, "不能移除自己。")
        return
    context.svc.members.update(target.user_id, removed=True)
    await reply(update, f"已移除 {target.work_no}号 {target.name}。其历史记录保留。")


def _member_by_arg(context: BotContext, text: str) -> Member | str:
    try:
        work_no = parse_work_no(text)
    except ValueError as err:
        return str(err)
    member = context.svc.members.by_work_no(work_no)
    return member if member is not None else f"没有工号为 {work_no} 的成员（发送 /team 查看）。"


def _last_admin(context: BotContext) -> bool:
    return len(context.svc.members.with_role(Role.ADMIN)) <= 1
