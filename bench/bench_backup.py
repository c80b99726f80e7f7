"""The daily backup beside the event loop: how long the loop is blocked while it runs.

Run: ``.venv/bin/python bench/bench_backup.py [--years 1] [--runs 5]``. Builds the team's
history with bench_year's Builder in a temporary folder, starts the real application over
it, then makes the daily backup ``runs`` times (today's copy removed before each; the first
also without the archive copy, as the first backup after an upgrade) while a 1 ms heartbeat
task records the longest gap: the longest the event loop was blocked.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import with_loop_probe
from bench.bench_year import START, Builder, machine, team_raw
from tests.harness import Harness


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
    """Build, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
