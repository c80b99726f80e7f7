"""Follow-up commands: /prospect opens a customer's visits, /visit /replied /bought /lost."""

from __future__ import annotations

from bot.domain.deadline_item import DeadlineItem
from bot.domain.text import mask_phones
from bot.handlers.common import Callback
from bot.handlers.deadlines.args import Confirm, closing, command, ref_and_text, ref_and_words
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import FOLLOWED

PROSPECT_USAGE = "用法：/prospect <客户> <顾虑> [A|B|C]，例如 /prospect 张女士 担心床垫太硬 B"
VISIT_USAGE = "用法：/visit <客户> [说明]，例如 /visit 张女士 发了活动链接"
REPLIED_USAGE = "用法：/replied <客户>，例如 /replied 张女士"
BOUGHT_USAGE = "用法：/bought <客户>，例如 /bought 张女士"
LOST_USAGE = "用法：/lost <客户> [原因]，例如 /lost 张女士 买了别家"


def _ended(word: str) -> Confirm:
    """Return the confirmation of a follow-up that ended as ``word`` (已成交, 已流失)."""

    def text(_ds: DeadlineService, item: DeadlineItem, _late: bool) -> str:
        return (
            f"客户 {mask_phones(item.ref)} {word}，"
            f"跟进结束（#{item.id}，回访 {len(item.visits)} 次）。"
        )

    return text


HANDLERS: dict[str, Callback] = {
    "prospect": command(PROSPECT_USAGE, ref_and_words(DeadlineService.open_followup), least=2),
    "visit": command(VISIT_USAGE, ref_and_text(DeadlineService.record_visit), least=1),
    "replied": command(
        REPLIED_USAGE, lambda ds, _member, args, now: ds.replied(args[0], now), least=1, most=1
    ),
    "bought": closing(BOUGHT_USAGE, FOLLOWED, "bought", _ended("已成交 🎉")),
    "lost": command(LOST_USAGE, ref_and_text(DeadlineService.lost), least=1),
}
