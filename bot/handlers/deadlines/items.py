"""Commands on any open item by its number: /done closes it, /reassign hands it over."""

from __future__ import annotations

from bot.domain.deadline_item import DeadlineItem
from bot.handlers.common import Callback
from bot.handlers.deadlines.args import closing, command
from bot.services.deadlines import DeadlineService
from bot.services.deadlines.lookups import ANY

DONE_USAGE = "用法：/done <编号|工单号>，例如 /done 12 或 /done JD20261127"
REASSIGN_USAGE = "用法：/reassign <编号> <工号>，例如 /reassign 12 3"


def _done_text(ds: DeadlineService, item: DeadlineItem, late: bool) -> str:
    """Return the confirmation of a finished item, on time or late."""
    return f"✅ 已完成：{ds.wording.describe(item)}（{'超时完成' if late else '按时完成'}）。"


HANDLERS: dict[str, Callback] = {
    "done": closing(DONE_USAGE, ANY, "done", _done_text, most=1),
    "reassign": command(
        REASSIGN_USAGE,
        lambda ds, member, args, now: ds.reassign(member, args[0], args[1], now),
        least=2,
        most=2,
    ),
}
