"""How a command finds its item from the user's word, and what it says when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.deadline_item import DUNNING, FOLLOWUP, SHIPPED, TICKET, DeadlineItem
from bot.domain.followup import customer_name, has_detail
from bot.domain.numbers import half_width, read_number
from bot.persistence.deadlines import ItemRepo

Finder = Callable[[ItemRepo, str], DeadlineItem | None]
Candidates = Callable[[ItemRepo, str], list[DeadlineItem]]


@dataclass(frozen=True)
class Lookup:
    """A way to find an open item, and the refusal when there is none."""

    find: Finder
    missing: str  # ``{ref}`` stands for the user's word
    candidates: Candidates | None = None  # every item the word may mean, when it may mean more


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


def customers(items: ItemRepo, text: str) -> list[DeadlineItem]:
    """Return the open follow-ups a word may mean: ``#3``, the full reference, or a name.

    A bare name (张女士) means every customer of that name (张女士、张女士-8812); a reference
    with its detail (张女士-8812) means only that customer.
    """
    number = read_number(half_width(text.strip()).removeprefix("#"))
    if number is not None:
        item = items.get(number)
        return [item] if item is not None and item.kind == FOLLOWUP else []
    if has_detail(text):
        exact = items.find(FOLLOWUP, text)
        return [exact] if exact is not None else []
    name = text.casefold()
    found = [
        i for i in items.all() if i.kind == FOLLOWUP and customer_name(i.ref).casefold() == name
    ]
    return sorted(found, key=lambda i: i.id)


def _one_customer(items: ItemRepo, text: str) -> DeadlineItem | None:
    """Return the one open follow-up a word means, else None."""
    found = customers(items, text)
    return found[0] if len(found) == 1 else None


DUNNED = Lookup(_of_kind(DUNNING), "没有正在催付的订单 {ref}。")
DUNNED_FIRST = Lookup(_of_kind(DUNNING), "没有正在催付的订单 {ref}（先用 /unpaid 登记）。")
FOLLOWED = Lookup(_one_customer, "没有正在跟进的客户 {ref}。", customers)
FOLLOWED_FIRST = Lookup(
    _one_customer, "没有正在跟进的客户 {ref}（先用 /prospect 登记）。", customers
)
ANY = Lookup(by_number_or_ref, "没有找到待办 {ref}（发送 /mine 查看编号）。")
NUMBERED = Lookup(by_number, "没有编号为 {ref} 的待办（发送 /mine 查看编号）。")
