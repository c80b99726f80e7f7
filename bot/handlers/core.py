"""Team basics: /start, /help, /join with approval, /team, /role, /remove."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, MessageHandler, filters

from bot.delivery import markup
from bot.domain import team_text
from bot.domain.errors import UserError
from bot.domain.members import Member, Role, parse_work_no
from bot.handlers.common import (
    ButtonSpec,
    Callback,
    CommandSpec,
    add_button,
    add_command,
    answer_query,
    args_of,
    command_word,
    edit_query,
    is_private,
    member_of,
    reply,
    require_member,
)
from bot.handlers.context import BotContext
from bot.services.messenger import Button
from bot.services.team import TeamService

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
    CommandSpec("team", "/team", "成员列表：工号、角色、班次与休息日、能否私信"),
    CommandSpec("role", "/role <工号> agent|lead|admin", "设置成员角色", min_role=Role.ADMIN),
    CommandSpec("remove", "/remove <工号>", "移除成员", min_role=Role.ADMIN),
    CommandSpec(
        "status",
        "/status",
        "机器人状态：版本、运行时间、待发提醒、数据目录占用",
        min_role=Role.ADMIN,
        aliases=("状态",),
    ),
]

BUTTONS = [
    ButtonSpec(r"^join:(ok|no):\d+$", Role.LEAD, "需要组长权限才能审批。"),
    ButtonSpec(r"^team:shift:\d+:\w+$", Role.LEAD, "需要组长权限才能排班。"),
]

JOIN_USAGE = "用法：/join <工号> <姓名>，例如 /join 7 王小明"
ROLE_USAGE = "用法：/role <工号> agent|lead|admin，例如 /role 3 lead"
REMOVE_USAGE = "用法：/remove <工号>，例如 /remove 7"

# reads a command's words into the change it asks for, applied with the admin who asked
ChangeReader = Callable[[TeamService, list[str]], Callable[[Member], str]]


def register(app: Application) -> None:
    """Wire the team commands."""
    handlers = {
        "start": start,
        "help": help_command,
        "join": join,
        "team": team,
        "role": role,
        "remove": remove,
        "status": status,
    }
    for spec in COMMANDS:
        add_command(app, spec, handlers[spec.name])
    add_button(app, BUTTONS[0], join_decision)
    add_button(app, BUTTONS[1], shift_pick)
    # Last group: runs after every feature, answers only commands nobody knows.
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command), group=UNKNOWN_GROUP)


UNKNOWN_GROUP = 99


async def status(update: Update, context: BotContext) -> None:
    """Show the admins the bot's version, uptime, queue length and disk use."""
    await reply(update, context.svc.upkeep.status_text(context.svc.clock.now()))


async def start(update: Update, context: BotContext) -> None:
    """Record that the bot may message this member privately; greet them."""
    member = require_member(update, context)
    private = is_private(update)
    if private:
        context.svc.team.allow_private(member)
    await reply(update, team_text.greeting(member, private))


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
        await reply(update, team_text.ALREADY_MEMBER)
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
    svc = context.svc
    try:
        request = svc.team.request_join(
            user.id, user.username, work_no, " ".join(args[1:]), svc.clock.now()
        )
    except UserError as err:
        await reply(update, str(err))
        return
    if svc.team.over_limit(request.at):
        # Over the hourly limit: no message of its own, one shared card instead.
        await svc.team.collect(request, update.effective_chat.id, request.at)
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("批准", callback_data=f"join:ok:{user.id}"),
                InlineKeyboardButton("拒绝", callback_data=f"join:no:{user.id}"),
            ]
        ]
    )
    await reply(update, team_text.join_asked(request), reply_markup=buttons)


async def join_decision(update: Update, context: BotContext) -> None:
    """Approve or reject a join request (the gate lets only leads and admins press)."""
    query = update.callback_query
    decider = require_member(update, context)
    _, verdict, raw_id = query.data.split(":")
    outcome = context.svc.team.decide(
        int(raw_id), approve=verdict == "ok", now=context.svc.clock.now()
    )
    answer, alert, edited = team_text.decision(outcome, decider)
    await answer_query(query, answer, alert)
    message = query.message
    if message is not None and context.svc.team.is_collected_card(
        message.chat.id, message.message_id
    ):
        await context.svc.team.refresh_collected()
        return
    if edited is None:
        return
    member = outcome.member
    if member is None:
        await edit_query(query, edited)
        return
    row = [
        Button(f"排{s.name}", f"team:shift:{member.user_id}:{s.key}")
        for s in context.svc.settings.shifts
    ]
    await edit_query(query, f"{edited}\n{team_text.PICK_SHIFT}", markup([row]))


async def shift_pick(update: Update, context: BotContext) -> None:
    """Put a just-approved member on the shift a lead pressed (rest days stay for /shift)."""
    query = update.callback_query
    require_member(update, context)
    _, _, raw_id, key = query.data.split(":")
    svc = context.svc
    member, shift = svc.members.get(int(raw_id)), svc.settings.shift(key)
    if member is None or shift is None:
        await answer_query(query, "该成员或班次已不存在。", alert=True)
        return
    done = svc.roster.put_on_shift(member, shift, member.days_off, svc.clock.now())
    await answer_query(query, "已排班。")
    welcome = (query.message.text or "").split("\n")[0] if query.message else ""
    await edit_query(query, f"{welcome}\n{done}\n{team_text.rest_days_hint(member)}")


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
    svc = context.svc
    shift_names = {shift.key: shift.name for shift in svc.settings.shifts}
    await reply(update, team_text.team_list(svc.members.all(), shift_names))


def _member_change(usage: str, arity: int, read: ChangeReader) -> Callback:
    """Return an admin command that reads a change to a member and applies it."""

    async def change_member(update: Update, context: BotContext) -> None:
        """Apply the change the admin's words ask for; bad words get the usage line."""
        admin = require_member(update, context)
        team = context.svc.team
        args = args_of(update.effective_message)
        if len(args) != arity:
            await reply(update, usage)
            return
        try:
            change = read(team, args)
        except (UserError, ValueError) as err:
            await reply(update, f"{err}\n{usage}")
            return
        try:
            await reply(update, change(admin))
        except UserError as err:
            await reply(update, str(err))

    return change_member


# /role <工号> <角色>: change a member's role; /remove <工号>: remove a member, history stays
role = _member_change(
    ROLE_USAGE,
    2,
    lambda team, args: partial(
        team.set_role, target=team.member(args[0]), role=Role.parse(args[1])
    ),
)
remove = _member_change(
    REMOVE_USAGE, 1, lambda team, args: partial(team.remove, target=team.member(args[0]))
)
