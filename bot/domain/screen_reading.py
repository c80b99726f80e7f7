"""What a check-in screenshot shows, from its OCR lines: the computer's clock and the accounts.

Pure: the lines come from any OCR engine (text, box, score); nothing here reads the clock.
The parts: bot/domain/screen_text.py (the types), screen_clock.py, screen_accounts.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.screen_accounts import find_accounts
from bot.domain.screen_clock import find_clock
from bot.domain.screen_text import ScreenClock, SeenAccount, TextLine

MIN_SCORE = 0.5  # lines the recogniser is less sure of are ignored


@dataclass(frozen=True)
class ScreenReading:
    """Everything a screenshot was found to show."""

    clock: ScreenClock | None
    accounts: tuple[SeenAccount, ...]
    line_count: int  # lines of text read at all; 0 means the image gave nothing

    def account(self, name: str) -> SeenAccount | None:
        """Return what was seen of one account, or None."""
        return next((a for a in self.accounts if a.account == name), None)


def read_screen(
    lines: Sequence[TextLine], aliases: Mapping[str, Sequence[str]], today: date
) -> ScreenReading:
    """Return the clock and the accounts in a screenshot's OCR lines.

    ``aliases`` maps each account to the names its chat tool shows besides the account's own
    name; ``today`` (the message's local date) gives the year to a date shown without one.
    """
    usable = [line for line in lines if line.score >= MIN_SCORE and line.text.strip()]
    return ScreenReading(
        clock=find_clock(usable, today),
        accounts=find_accounts(usable, aliases),
        line_count=len(usable),
    )
