"""The event loop while storage works in the background: folding a journal in, the backup.

Run: ``.venv/bin/python bench/bench_background.py fold [--docs 3420] [--writes 8000]`` or
``... bench_background.py backup [--years 1] [--runs 5]``; each prints JSON. A 1 ms
heartbeat task records the longest gap: the longest the event loop was blocked.

- ``fold``: a live file shaped like ``orders.json`` at three years of the team (3,420 orders,
  ~2.5 MB) gets one order rewritten per write, as ``/remark`` does, from an asyncio task,
  until the journal has been folded in at least once: p50/p95/max of a write, the folds.
- ``backup``: builds the team's history with bench_year's Builder in a temporary folder,
  starts the real application over it and makes the daily backup ``runs`` times (today's
  copy removed before each; the first also without the archive copy, as the first backup
  after an upgrade).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import with_loop_probe
from bench.bench_year import START, Builder, machine, team_raw
from bot.persistence.storage import open_db
from tests.harness import Harness


def order(n: int, version: int) -> dict[str, object]:
    """Return an order document of ~700 bytes with a few remark events."""
    event = {"at": "2026-11-23T02:00:00+00:00", "by": 100101, "text": "发顺丰 尺码未确认 送小礼品"}
    return {"order_no": f"O{n:012d}", "events": [event] * 7, "updated": str(version)}


def fold(docs: int, writes: int) -> dict[str, object]:
    """Write one order at a time until the journal was folded in; return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.json"
        db = open_db(path)
        table = db.table("orders")
        table.insert_multiple(order(n, 0) for n in range(docs))
        db.close()
        size = path.stat().st_size
        db = open_db(path)
        table = db.table("orders")
        times: list[float] = []
        folds = 0

        async def write_all() -> None:
            nonlocal folds
            snapshot = path.stat().st_mtime_ns
            for i in range(writes):
                t0 = time.perf_counter()
                table.update(order(i % docs, i + 1), doc_ids=[i % docs + 1])
                times.append((time.perf_counter() - t0) * 1000)
                if path.stat().st_mtime_ns != snapshot:
                    folds += 1
                    snapshot = path.stat().st_mtime_ns
                await asyncio.sleep(0)

        _t0, _seconds, gaps = asyncio.run(with_loop_probe(write_all))
        db.close()
    ordered = sorted(times)
    return {
        "machine": machine(),
        "snapshot_mb": round(size / 1e6, 2),
        "writes": len(times),
        "folds": folds,
        "write_p50_ms": round(statistics.median(times), 2),
        "write_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "write_max_ms": round(ordered[-1], 1),
        "loop_block_max_ms": round(max(gaps), 1),
    }


async def backups(data: Path, runs: int) -> list[dict[str, float]]:
    """Run the daily backup ``runs`` times in the application; return each one's figures."""
    harness = Harness(data, start=START, raw=team_raw())
    await harness.__aenter__()
    upkeep = harness.svc.upkeep
    today = data / "backups" / harness.svc.time.today().isoformat()
    results = []
    for run in range(runs):
        shutil.rmtree(today, ignore_errors=True)
        if run == 0:
            shutil.rmtree(data / "backups" / "archive", ignore_errors=True)

        async def backup() -> None:
            made = upkeep.backup_now()
            if inspect.isawaitable(made):  # the code before the backup left the loop
                await made

        _t0, seconds, gaps = await with_loop_probe(backup)
        assert today.exists()
        results.append({"seconds": round(seconds, 3), "loop_block_max_ms": round(max(gaps), 1)})
    await harness.__aexit__()
    return results


def main() -> int:
    """Measure what the command line names, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_subparsers(dest="what", required=True)
    folding = what.add_parser("fold")
    folding.add_argument("--docs", type=int, default=3420)
    folding.add_argument("--writes", type=int, default=8000)
    backing_up = what.add_parser("backup")
    backing_up.add_argument("--years", type=float, default=1.0)
    backing_up.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.what == "fold":
        print(json.dumps(fold(args.docs, args.writes)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        started = time.perf_counter()
        Builder(data, args.years).build()
        built = round(time.perf_counter() - started, 1)
        runs = asyncio.run(backups(data, args.runs))
    print(json.dumps({"machine": machine(), "years": args.years, "build_s": built, "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
