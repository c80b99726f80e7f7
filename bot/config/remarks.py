"""Settings of the remarks feature (the [remarks] table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.reader import Section

if TYPE_CHECKING:
    from bot.config.core import Settings


@dataclass(frozen=True)
class RemarksSettings:
    """Settings of the remarks feature."""


def parse(section: Section, core: Settings) -> RemarksSettings:
    """Validate the [remarks] table."""
    section.reject_unknown(set())
    return RemarksSettings()
