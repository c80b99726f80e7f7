"""A process writing through the atomic storage is killed with SIGKILL inside a write.

The child pauses at each stage of ``write_atomically`` (through the test-only
``storage.pause_hook``), says which stage and which value it is writing, and waits for the
parent's go-ahead; the parent kills it at the stage under test, so every run kills it at
exactly that point, and then checks what is on disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.persistence.storage import open_db
from tests.harness import ROOT

ROWS = 1500
STAGES = ["half-written", "synced", "replaced"]

# The child bumps the counter ``v`` on every row in one TinyDB write.
CHILD = """
import sys
from pathlib import Path
from bot.persistence import storage

db = storage.open_db(Path(sys.argv[1]))
table = db.table("rows")
v = max(d["v"] for d in table.all()) + 1


def pause(stage):
    print(stage, v, flush=True)
    if sys.stdin.readline() != "go\\n":
        raise SystemExit("the parent stopped answering")


storage.pause_hook = pause
table.update({"v": v})
print("done", v, flush=True)
"""


def _seed(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    """Write ROWS rows with ``v`` = 0; return the data as stored."""
    db = open_db(path)
    db.table("rows").insert_multiple({"n": i, "v": 0, "pad": "客服" * 8} for i in range(ROWS))
    db.close()
    return json.loads(path.read_text(encoding="utf-8"))


def _encoded(data: dict[str, dict[str, dict[str, object]]], v: int) -> str:
    """Return the file text the storage writes for ``data`` with every row's ``v`` set."""
    bumped = {
        table: {k: {**row, "v": v} for k, row in rows.items()} for table, rows in data.items()
    }
    return json.dumps(bumped, ensure_ascii=False, sort_keys=True)


def _run_child_until(path: Path, stop_at: str | None) -> tuple[list[str], int]:
    """Run one write in a child, let it past each stage until ``stop_at``, then SIGKILL it.

    Return the stages (and ``done``) the child announced and its exit status.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    assert child.stdin and child.stdout and child.stderr
    announced: list[str] = []
    try:
        while True:
            line = child.stdout.readline().split()
            if not line or line[0] == "done":
                announced += line[:1]
                break
            assert line[1] == "1", f"the child wrote {line[1]}, not the next value 1"
            announced.append(line[0])
            if line[0] == stop_at:
                child.send_signal(signal.SIGKILL)
                break
            child.stdin.write("go\n")
            child.stdin.flush()
        status = child.wait(timeout=30)
        errors = child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()
    assert "Traceback" not in errors, errors
    return announced, status


def _temps(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_halfway_through_the_temp_file_leaves_the_old_file_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    data = _seed(path)
    old = path.read_text(encoding="utf-8")
    new = _encoded(data, 1)
    announced, status = _run_child_until(path, "half-written")
    assert (announced, status) == (["half-written"], -signal.SIGKILL)
    assert path.read_text(encoding="utf-8") == old
    [temp] = _temps(path)
    assert temp.read_text(encoding="utf-8") == new[: len(new) // 2]  # killed inside the write
    assert {row["v"] for row in open_db(path).table("rows").all()} == {0}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_with_the_new_file_synced_but_not_in_place_leaves_the_old_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    data = _seed(path)
    old = path.read_text(encoding="utf-8")
    announced, status = _run_child_until(path, "synced")
    assert (announced, status) == (["half-written", "synced"], -signal.SIGKILL)
    assert path.read_text(encoding="utf-8") == old
    [temp] = _temps(path)
    assert temp.read_text(encoding="utf-8") == _encoded(data, 1)
    assert {row["v"] for row in open_db(path).table("rows").all()} == {0}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_right_after_the_replace_leaves_the_new_file_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    data = _seed(path)
    announced, status = _run_child_until(path, "replaced")
    assert (announced, status) == (STAGES, -signal.SIGKILL)
    assert path.read_text(encoding="utf-8") == _encoded(data, 1)
    assert _temps(path) == []
    rows = open_db(path).table("rows").all()
    assert len(rows) == ROWS and {row["v"] for row in rows} == {1}


def test_a_writer_let_past_every_pause_finishes_its_write(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    data = _seed(path)
    announced, status = _run_child_until(path, None)
    assert (announced, status) == ([*STAGES, "done"], 0)
    assert path.read_text(encoding="utf-8") == _encoded(data, 1)
    assert _temps(path) == []
