"""A process writing through the journaled storage is killed with SIGKILL inside a write.

The child pauses at a chosen stage of a write (``storage.pause_hook``: half a journal line
written, the line durable but unconfirmed, a snapshot half written, whole, in place, or in
place with the journal not yet removed; and the same stages of a background fold, whose
thread pauses while the writer goes on appending), says so, and waits; the parent kills it
there. So every trial kills it exactly inside a write, with no timing, and then checks that
nothing confirmed is lost or applied twice and every file stays readable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.persistence.storage import JournalStorage
from tests.harness import ROOT

ROWS = 300
FULL_EVERY = 20  # every so many steps one write changes every row (a snapshot rewrite)

# The child keeps ROWS documents. Step v writes ``v`` into row ``v % ROWS`` (one journal
# line), inserts ``{"v": v}`` into the table ``log`` and, every FULL_EVERY steps, writes
# ``round = v`` into every row (one line of every document) and drops a scratch table
# (TinyDB writes the whole database: the snapshot is rewritten); the journal is folded in
# every kilobyte. It prints each step once its writes returned: a confirmed step.
CHILD = f"""
import sys
import threading
from pathlib import Path
from bot.persistence import storage
from bot.persistence.storage import open_db

storage.COMPACT_MIN_BYTES = 1024
storage.COMPACT_RATIO = 0
stage, nth = sys.argv[2], int(sys.argv[3])
seen = 0
v = 0
said = threading.Lock()


def pause(reached):
    global seen
    if reached != stage:
        return
    seen += 1
    if seen == nth:
        with said:  # a fold pauses on its own thread while the writer prints steps
            print("paused", reached, v, flush=True)
        sys.stdin.readline()  # killed while waiting here


storage.pause_hook = pause
db = open_db(Path(sys.argv[1]))
table = db.table("rows")
if len(table) == 0:
    table.insert_multiple({{"r": i, "v": 0, "round": 0, "pad": "客服" * 8}} for i in range({ROWS}))
v = max(d["v"] for d in table.all())
if {{d["round"] for d in table.all()}} != {{v - v % {FULL_EVERY}}}:
    table.update({{"round": v - v % {FULL_EVERY}}})  # finish the step a kill interrupted
if v and v not in {{d["v"] for d in db.table("log").all()}}:
    db.table("log").insert({{"v": v}})  # the same
print("ready", v, flush=True)
while True:
    v += 1
    table.update({{"v": v}}, doc_ids=[v % {ROWS} + 1])
    db.table("log").insert({{"v": v}})
    if v % {FULL_EVERY} == 0:
        table.update({{"round": v}})
        db.table("scratch").insert({{"v": v}})
        db.drop_table("scratch")
    with said:
        print(v, flush=True)
"""


def _state(path: Path) -> int:
    """Return the last step a fresh open sees; fail when any step before it is missing."""
    data = JournalStorage(path).read() or {}
    rows = {int(doc_id) - 1: doc for doc_id, doc in data.get("rows", {}).items()}
    if not rows and not data.get("log"):
        return 0  # killed inside the very first write, which inserts the rows
    assert sorted(rows) == list(range(ROWS)), "rows went missing"
    last = max(row["v"] for row in rows.values())
    for r, row in rows.items():
        # row r holds the latest step v <= last with v % ROWS == r (0 if there was none)
        expected = last - (last - r) % ROWS
        assert row["v"] == (expected if expected > 0 else 0), f"row {r}: a write was lost"
    rounds = {row["round"] for row in rows.values()}
    assert len(rounds) == 1, f"a whole-table write was torn: {sorted(rounds)[:5]}"
    latest_round = last - last % FULL_EVERY
    # the kill may fall between the two writes of a step that ends a round
    allowed = {latest_round}
    if last % FULL_EVERY == 0:
        allowed.add(latest_round - FULL_EVERY)
    found = rounds.pop()
    assert found in allowed, f"a whole-table write was lost: round {found} at step {last}"
    logged = sorted(doc["v"] for doc in data.get("log", {}).values())
    # the kill may fall between a step's row write and its log insert
    assert logged in (list(range(1, last + 1)), list(range(1, last))), "an insert lost or twice"
    return last


STAGES = (
    "journal-half",
    "journal-synced",
    "half-written",
    "synced",
    "replaced",
    "snapshot-in-place",
    "fold-sealed",
    "fold-half-written",
    "fold-synced",
    "fold-replaced",
    "fold-in-place",
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_inside_each_stage_of_a_write_loses_no_confirmed_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed_at: list[str] = []
    for nth in (1, 3):
        for stage in STAGES:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(path), stage, str(nth)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
            )
            confirmed: list[int] = []
            try:
                assert child.stdout is not None
                while True:
                    line = child.stdout.readline()
                    assert line, child.stderr.read() if child.stderr else "the child ended"
                    words = line.split()
                    if words[0] == "paused":
                        killed_at.append(words[1])
                        break
                    if words[0].isdigit():
                        confirmed.append(int(words[0]))
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=10)
                for stream in (child.stdin, child.stdout, child.stderr):
                    if stream:
                        stream.close()
            assert child.returncode == -signal.SIGKILL
            last = _state(path)
            assert last >= max(confirmed, default=0), f"{stage}: a confirmed write was lost"
    assert sorted(set(killed_at)) == sorted(STAGES)
