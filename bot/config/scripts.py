"""Settings of the scripts feature (the [scripts] table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config.reader import Section

if TYPE_CHECKING:
    from bot.config.core import Settings


@dataclass(frozen=True)
class ScriptsSettings:
    """Settings of the scripts feature."""


def parse(section: Section, core: Settings) -> ScriptsSettings:
    """Validate the [scripts] table."""
    section.reject_unknown(set())
    return ScriptsSettings()
