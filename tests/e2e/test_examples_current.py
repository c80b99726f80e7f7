"""The console transcripts in docs/examples show what the bot says today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.regen_examples import EXAMPLES, replay


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.txt")), ids=lambda p: p.name)
def test_the_transcript_matches_a_fresh_console_run(path: Path) -> None:
    assert replay(path) == path.read_text(encoding="utf-8"), (
        f"{path.name} is out of date: run .venv/bin/python tools/regen_examples.py"
    )
