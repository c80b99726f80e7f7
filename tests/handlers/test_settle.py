"""A real start leaves what it loaded out of later garbage collections; tests opt out."""

from __future__ import annotations

import gc
from pathlib import Path

from tests.harness import Harness


async def test_a_real_start_freezes_what_it_loaded_out_of_garbage_collection(
    tmp_path: Path,
) -> None:
    gc.unfreeze()
    try:
        async with Harness(tmp_path / "data", settle=True) as bot:
            assert gc.get_freeze_count() > 0
            [text] = bot.texts(await bot.send("2", "/mine"))
            assert "待办" in text  # the bot works on after the freeze
    finally:
        gc.unfreeze()


async def test_many_starts_in_one_process_freeze_nothing(tmp_path: Path) -> None:
    gc.unfreeze()
    async with Harness(tmp_path / "data"):
        assert gc.get_freeze_count() == 0
