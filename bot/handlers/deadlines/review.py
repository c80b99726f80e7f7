"""The lead's 无需跟进 / 继续跟进 buttons on the daily C/B review cards."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import require_member, show_answer
from bot.handlers.context import BotContext

PATTERN = r"^deadlines:review:\d+:(stop|go)$"


async def review_decision(update: Update, context: BotContext) -> None:
    """Apply a lead's 无需跟进 / 继续跟进 on a reviewed customer."""
    query = update.callback_query
    lead = require_member(update, context)
    _, _, raw_id, verdict = query.data.split(":")
    svc = context.svc
    decided = svc.deadlines.decide_review(lead, int(raw_id), verdict, svc.clock.now())
    await show_answer(query, decided)
