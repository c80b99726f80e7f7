"""Writes while the journal is folded in: the slowest write and the event loop's longest block.

Run: ``.venv/bin/python bench/bench_fold.py [--docs 3420] [--writes 8000]``. A live file
shaped like ``orders.json`` at three years of the team (3,420 orders of ~700 bytes, 2.4 MB)
gets one order rewritten per write, as ``/remark`` does, from an asyncio task, until the
journal has been folded in at least once; a 1 ms heartbeat task records the longest gap.
Prints p50/p95/max of a write and the longest loop block, with the folds seen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import with_loop_probe
from bench.bench_year import machine
from bot.persistence.storage import open_db


def order(n: int, version: int) -> dict[str, object]:
    """Return an order document of ~700 bytes with a few remark events."""
    event = {"at": "2026-11-23T02:00:00+00:00", "by": 100101, "text": "发顺丰 尺码未确认 送小礼品"}
    return {"order_no": f"O{n:012d}", "events": [event] * 7, "updated": str(version)}


def main() -> int:
    """Build the file, write, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3420)
    parser.add_argument("--writes", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.json"
        db = open_db(path)
        table = db.table("orders")
        table.insert_multiple(order(n, 0) for n in range(args.docs))
        db.close()
        size = path.stat().st_size
        db = open_db(path)
        table = db.table("orders")
        times: list[float] = []
        folds = 0

        async def writes() -> None:
            nonlocal folds
            snapshot = path.stat().st_mtime_ns
            for i in range(args.writes):
                t0 = time.perf_counter()
                table.update(order(i % args.docs, i + 1), doc_ids=[i % args.docs + 1])
                times.append((time.perf_counter() - t0) * 1000)
                if path.stat().st_mtime_ns != snapshot:
                    folds += 1
                    snapshot = path.stat().st_mtime_ns
                await asyncio.sleep(0)

        _t0, _seconds, gaps = asyncio.run(with_loop_probe(writes))
        db.close()
    ordered = sorted(times)
    print(
        json.dumps(
            {
                "machine": machine(),
                "snapshot_mb": round(size / 1e6, 2),
                "writes": len(times),
                "folds": folds,
                "write_p50_ms": round(statistics.median(times), 2),
                "write_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
                "write_max_ms": round(ordered[-1], 1),
                "loop_block_max_ms": round(max(gaps), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
