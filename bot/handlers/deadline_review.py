"""The daily C/B review: leads see today's C customers and a sample of B, with buttons."""

from __future__ import annotations

import logging

from telegram import Update

from bot.domain.followup import sample_for_review
from bot.domain.members import Member
from bot.domain.text import mask_phones
from bot.handlers.common import require_member
from bot.handlers.context import BotContext
from bot.handlers.deadline_alerts import notify_owner
from bot.persistence.timers import Timer
from bot.services.container import Services
from bot.services.deadlines import FOLLOWUP, REVIEW, DeadlineService
from bot.services.messenger import Button, Keyboard

log = logging.getLogger(__name__)

PATTERN = r"^deadlines:review:\d+:(stop|go)$"


async def on_review(svc: Services, timer: Timer, _late: bool) -> None:
    """Send the leads today's C customers (all) and a sample of B for review, with buttons."""
    ds: DeadlineService = svc.deadlines
    pending = [i for i in ds.items.all() if i["type"] == FOLLOWUP and i.get("review") == "pending"]
    c_items = [i for i in pending if i["cls"] == "C"]
    b_items = [i for i in pending if i["cls"] == "B"]
    picked = set(sample_for_review([i["id"] for i in b_items], ds.conf.review_share_b, timer.key))
    for item in b_items:
        ds.items.update(item["id"], review="asked" if item["id"] in picked else "skipped")
    asked = c_items + [i for i in b_items if i["id"] in picked]
    if not asked:
        return
    chat = _review_chat(svc)
    await _send(
        svc,
        chat,
        f"📋 今日客户复核：C 类 {len(c_items)} 位（全部）、"
        f"B 类抽查 {len(asked) - len(c_items)} 位。",
        None,
    )
    for item in asked:
        text = (
            f"{item['cls']} 类客户复核 #{item['id']}：{mask_phones(item['ref'])}\n"
            f"顾虑：{item.get('concern') or '未填写'} · 负责人 {ds.owner_of(item)}"
            f" · 已回访 {len(item['visits'])} 次"
        )
        await _send(svc, chat, text, _buttons(item["id"]))


def _buttons(item_id: int) -> Keyboard:
    """Return the 无需跟进 / 继续跟进 buttons of one reviewed customer."""
    choices = (("无需跟进", "stop"), ("继续跟进", "go"))
    return [[Button(label, f"{REVIEW}:{item_id}:{verdict}") for label, verdict in choices]]


def _review_chat(svc: Services) -> int | Member:
    """Return the leads' chat, else a lead the bot can message, else the team chat."""
    if svc.settings.leads_chat is not None:
        return svc.settings.leads_chat
    reachable = [m for m in svc.members.leads(None) if m.can_dm is not False]
    return reachable[0] if reachable else svc.settings.team_chat


async def _send(svc: Services, to: int | Member, text: str, keyboard: Keyboard | None) -> None:
    """Send a review message to a chat, or to a lead (the team chat when they blocked the bot)."""
    if isinstance(to, Member):
        await svc.messenger.to_member(to, text, keyboard)
    else:
        await svc.messenger.to_chat(to, text, keyboard)


async def review_decision(update: Update, context: BotContext) -> None:
    """Apply a lead's 无需跟进 / 继续跟进 on a reviewed customer."""
    query = update.callback_query
    member = require_member(update, context)
    _, _, raw_id, verdict = query.data.split(":")
    ds = context.svc.deadlines
    item = ds.items.get(int(raw_id))
    if item is None or item.get("review") not in ("pending", "asked"):
        await query.answer("该客户已处理过了。")
        return
    who = mask_phones(item["ref"])
    if verdict == "stop":
        ds.close(item, "no_followup", member, review="stop")
        await query.answer("已确认无需跟进。")
        await query.edit_message_text(f"#{item['id']} {who}：{member.name} 确认无需跟进，已结束。")
        return
    now = context.svc.clock.now()
    if item.get("paused"):
        ds.restart_cycle(item, now, review="go", paused=False)
    else:
        ds.items.update(item["id"], review="go")
    notify_owner(
        ds,
        item,
        now,
        f"📌 组长 {member.name} 复核客户 {who}（#{item['id']}）：需要继续跟进。"
        f"第 {item['visit']} 次回访 {ds.due_of(item)} 前完成。",
        "review-go",
    )
    await query.answer("已安排继续跟进。")
    await query.edit_message_text(
        f"#{item['id']} {who}：{member.name} 要求继续跟进（负责人 {ds.owner_of(item)}）。"
    )
