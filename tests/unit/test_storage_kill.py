"""A process writing through the atomic storage is killed with SIGKILL; the file stays whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness import ROOT

ROWS = 1500
TRIALS = 20

# The child keeps one table of ROWS documents that all carry the same counter ``v``; every
# step bumps the counter in one TinyDB write, so any complete state has one value of ``v``
# on every row, and the value never goes back between trials.
CHILD = f"""
import sys
from pathlib import Path
from bot.persistence.storage import open_db

db = open_db(Path(sys.argv[1]))
table = db.table("rows")
if len(table) == 0:
    table.insert_multiple({{"n": i, "v": 0, "pad": "客服" * 8}} for i in range({ROWS}))
v = max(d["v"] for d in table.all())
print("ready", v, flush=True)
while True:
    v += 1
    table.update({{"v": v}})
"""


def _state(path: Path) -> tuple[int, int]:
    """Return (rows, counter) of a complete file; fail when it is torn or mixed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = list(data["rows"].values())
    values = {row["v"] for row in rows}
    assert len(rows) == ROWS, f"{len(rows)} rows instead of {ROWS}"
    assert len(values) == 1, f"rows from different writes: {sorted(values)[:5]}"
    return len(rows), values.pop()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_at_random_moments_leaves_a_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    rng = random.Random(20261123)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    last = -1
    writes_seen = 0
    for trial in range(TRIALS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        try:
            assert child.stdout is not None
            ready = child.stdout.readline().split()
            assert ready and ready[0] == "ready", child.stderr.read() if child.stderr else ""
            started_at = int(ready[1])
            assert started_at >= last, "the counter went back: a write was lost after a kill"
            time.sleep(rng.uniform(0.005, 0.12))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            if child.stdout:
                child.stdout.close()
            if child.stderr:
                child.stderr.close()
        assert child.returncode == -signal.SIGKILL, f"trial {trial}: child ended on its own"
        _rows, value = _state(path)
        assert value >= started_at
        writes_seen += value - started_at
        last = value
    assert writes_seen > TRIALS, "the child barely wrote; the kills did not land during writes"
    torn = list(tmp_path.glob(".state.json.*.tmp"))
    assert torn, "no kill landed during a write (no half-written temp file was left behind)"
