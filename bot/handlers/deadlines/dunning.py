"""Dunning commands: /unpaid opens the chase of an unpaid order, /dunned meets it, /paid
records the outcome, /dunrate shows the conversion rate."""

from __future__ import annotations

from bot.domain.deadline_item import DeadlineItem
from bot.handlers.common import Callback
from bot.handlers.deadlines.args import closing, command, ref_and_text, ref_and_words
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import DUNNED

UNPAID_USAGE = "用法：/unpaid <订单号> [平台] [下单时间]，例如 /unpaid 3391827740 天猫 昨天 21:10"
DUNNED_USAGE = "用法：/dunned <订单号> <结果>，例如 /dunned 3391827740 电话未接，已旺旺留言"
PAID_USAGE = "用法：/paid <订单号>，例如 /paid 3391827740"


DUNRATE_USAGE = "用法：/dunrate（本月催付成交率，全组和每位客服）"


def _paid_text(ds: DeadlineService, item: DeadlineItem, late: bool) -> str:
    """Return the confirmation of a paid order."""
    return ds.paid_text(item, late)


HANDLERS: dict[str, Callback] = {
    "unpaid": command(UNPAID_USAGE, ref_and_words(DeadlineService.open_dunning), least=1),
    "dunned": command(DUNNED_USAGE, ref_and_text(DeadlineService.record_attempt), least=2),
    "paid": closing(PAID_USAGE, DUNNED, "paid", _paid_text, most=1),
    "dunrate": command(
        DUNRATE_USAGE, lambda ds, _member, _args, now: ds.dunning_rate(now), most=0
    ),
}
