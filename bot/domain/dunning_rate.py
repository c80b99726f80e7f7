"""The dunning conversion rate (催付成交率): of chased orders with an outcome, how many paid."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.deadline_item import DUNNING, DeadlineItem

PAID = "paid"


@dataclass(slots=True)
class Tally:
    """Chased orders of one agent (or the team): paid after the chase, given up, still open."""

    paid: int = 0
    lost: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        """Return how many chased orders have an outcome."""
        return self.paid + self.lost

    def rate(self) -> float | None:
        """Return the share of decided orders that paid (None before any outcome)."""
        return self.paid / self.decided if self.decided else None


def tally(items: Iterable[DeadlineItem]) -> tuple[Tally, dict[int, Tally]]:
    """Count chased orders for the team and per chaser (the agent of the first attempt).

    Orders paid before anybody chased them owe no dunning and are not counted.
    """
    team = Tally()
    agents: dict[int, Tally] = {}
    for item in items:
        if item.kind != DUNNING or not item.attempts:
            continue
        mine = agents.setdefault(item.attempts[0].by, Tally())
        for counted in (team, mine):
            if item.closing is None:
                counted.pending += 1
            elif item.closing.status == PAID:
                counted.paid += 1
            else:
                counted.lost += 1
    return team, agents
