"""Settings of the handover feature (the [handover] table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.reader import Section

if TYPE_CHECKING:
    from bot.config.core import Settings


@dataclass(frozen=True)
class HandoverSettings:
    """Settings of the handover feature."""


def parse(section: Section, core: Settings) -> HandoverSettings:
    """Validate the [handover] table."""
    section.reject_unknown(set())
    return HandoverSettings()
