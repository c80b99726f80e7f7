"""How a command finds its item from the user's word, and what it says when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.deadline_item import DUNNING, FOLLOWUP, SHIPPED, TICKET, DeadlineItem
from bot.domain.numbers import half_width, read_number
from bot.persistence.deadlines import ItemRepo

Finder = Callable[[ItemRepo, str], DeadlineItem | None]


@dataclass(frozen=True)
class Lookup:
    """A way to find an open item, and the refusal when there is none."""

    find: Finder
    missing: str  # ``{ref}`` stands for the user's word


def _of_kind(kind: str) -> Finder:
    """Return a finder of the open item of ``kind`` with a reference (order, customer)."""
    return lambda items, ref: items.find(kind, ref)


def by_number(items: ItemRepo, text: str) -> DeadlineItem | None:
    """Return the open item numbered ``12`` or ``#12``."""
    number = read_number(half_width(text.strip()).removeprefix("#"))
    return items.get(number) if number is not None else None


def by_number_or_ref(items: ItemRepo, text: str) -> DeadlineItem | None:
    """Return the ticket or shipping check with this reference, else the item so numbered."""
    for item in items.find_ref(text):
        if item.kind in (TICKET, SHIPPED):
            return item
    return by_number(items, text)


DUNNED = Lookup(_of_kind(DUNNING), "没有正在催付的订单 {ref}。")
DUNNED_FIRST = Lookup(_of_kind(DUNNING), "没有正在催付的订单 {ref}（先用 /unpaid 登记）。")
FOLLOWED = Lookup(_of_kind(FOLLOWUP), "没有正在跟进的客户 {ref}。")
FOLLOWED_FIRST = Lookup(_of_kind(FOLLOWUP), "没有正在跟进的客户 {ref}（先用 /prospect 登记）。")
ANY = Lookup(by_number_or_ref, "没有找到待办 {ref}（发送 /mine 查看编号）。")
NUMBERED = Lookup(by_number, "没有编号为 {ref} 的待办（发送 /mine 查看编号）。")
