"""Shared fixtures: the offline application harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The real application over the demo team, at Monday 2026-11-23 08:30 local time."""
    async with Harness(tmp_path / "data") as harness:
        yield harness
        harness.assert_clean()
