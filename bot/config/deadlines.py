"""Settings of the deadlines feature (the [deadlines] table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.reader import Section

if TYPE_CHECKING:
    from bot.config.core import Settings


@dataclass(frozen=True)
class DeadlinesSettings:
    """Settings of the deadlines feature."""


def parse(section: Section, core: Settings) -> DeadlinesSettings:
    """Validate the [deadlines] table."""
    section.reject_unknown(set())
    return DeadlinesSettings()
