"""Settings of the checkin feature (the [checkin] table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.reader import Section

if TYPE_CHECKING:
    from bot.config.core import Settings


@dataclass(frozen=True)
class CheckinSettings:
    """Settings of the checkin feature."""


def parse(section: Section, core: Settings) -> CheckinSettings:
    """Validate the [checkin] table."""
    section.reject_unknown(set())
    return CheckinSettings()
