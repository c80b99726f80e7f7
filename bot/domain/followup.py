"""The follow-up cadence of a customer who asked but did not buy (咨询未下单).

Days are counted as the team's rule book counts them: the day of first contact is day 1,
so visit 1 "on day 2" is the next day, visit 3 "on day 7" six days after contact.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLASSES = ("A", "B", "C")
# Where the customer's name ends and the detail telling namesakes apart (phone tail,
# platform nickname) begins: 张女士-8812, 张女士8812, 张女士(淘宝:zz88), 张女士@zz88.
_DETAIL = re.compile(r"[-－—/／·・_（(【\[：:，,#＃@＠\s]|\d")


@dataclass(frozen=True)
class Cadence:
    """When visits open and fall due, from settings."""

    visit_days: tuple[tuple[int, int], ...] = ((2, 2), (3, 5), (7, 7))
    remind_at: time = time(10, 0)
    due_at: time = time(17, 0)

    @property
    def visits(self) -> int:
        """Return how many visits with no reply close the follow-up."""
        return len(self.visit_days)

    def window(self, start: date, visit: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Return when visit number ``visit`` (1-based) opens and falls due."""
        first, last = self.visit_days[visit - 1]
        opens = datetime.combine(start + timedelta(days=first - 1), self.remind_at, tzinfo=tz)
        due = datetime.combine(start + timedelta(days=last - 1), self.due_at, tzinfo=tz)
        return opens, max(opens, due)


def parse_class(text: str) -> str:
    """Return A, B or C from ``a``/``B``/``C类``; raise ValueError otherwise."""
    cleaned = text.strip().upper().removesuffix("类")
    if cleaned not in CLASSES:
        raise ValueError(f"客户分类应为 A、B 或 C，收到 {text!r}")
    return cleaned


def customer_name(ref: str) -> str:
    """Return the name part of a customer reference (``张女士`` of ``张女士-8812``)."""
    name = _DETAIL.split(ref, maxsplit=1)[0].strip()
    return name or ref


def has_detail(ref: str) -> bool:
    """Whether a customer reference carries more than the name (a phone tail, a nickname)."""
    return customer_name(ref) != ref


def sample_for_review(ids: list[int], share: float, salt: str) -> list[int]:
    """Pick ``ceil(share × n)`` ids, stable for the same day (``salt``) and the same ids.

    A hash instead of ``random`` keeps the choice the same after a restart and in tests.
    """
    if not ids or share <= 0:
        return []
    count = min(len(ids), math.ceil(len(ids) * share - 1e-9))
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"{salt}:{i}".encode()).hexdigest())
    return sorted(ranked[:count])
