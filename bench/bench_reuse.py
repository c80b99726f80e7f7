"""Micro-benchmark of the reused-screenshot look-up over 20k and 60k difference hashes.

The look-up ``/checkin`` makes per screenshot (bot/domain/checkin.py ``ReuseIndex.find``),
over the number of hashes one and three years of a 30-agent team leave (two per check-in),
at the default ``duplicate_distance`` of 16. Half the queries are near copies of a stored
hash (a few bits flipped), half are new random hashes. Prints p50/p95/max in ms.

Run: ``.venv/bin/python bench/bench_reuse.py``
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.checkin import Checkin, Image, ReuseIndex, Status

DISTANCE = 16
QUERIES = 400


def build(count: int, rng: random.Random) -> tuple[ReuseIndex, list[int]]:
    """Return an index of ``count`` random 256-bit hashes, two per check-in, and the hashes."""
    index = ReuseIndex()
    values = [rng.getrandbits(256) for _ in range(count)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(0, count, 2):
        day = date(2024, 1, 1) + timedelta(days=n // 60)
        checkin = Checkin(day, "day", str(n % 30 + 1), "x", start, Status.ON_TIME)
        for k, value in enumerate(values[n : n + 2]):
            checkin.images.append(Image(f"f{n}{k}", f"u{n + k}", start, phash=f"{value:064x}"))
        index.add(checkin)
    return index, values


def bench(count: int) -> dict[str, float]:
    """Return the look-up time percentiles over an index of ``count`` hashes."""
    rng = random.Random(count)
    index, values = build(count, rng)
    owner = (date(2030, 1, 1), "day", "99")
    index.find(Image("w", "warm", datetime.now(UTC), phash="0" * 64), owner, DISTANCE)
    times = []
    for q in range(QUERIES):
        if q % 2:
            value = rng.choice(values)
            for bit in rng.sample(range(256), rng.randint(0, 10)):
                value ^= 1 << bit
        else:
            value = rng.getrandbits(256)
        image = Image("q", f"q{q}", datetime.now(UTC), phash=f"{value:064x}")
        began = time.perf_counter()
        index.find(image, owner, DISTANCE)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "p50": times[len(times) // 2],
        "p95": times[int(len(times) * 0.95)],
        "max": times[-1],
    }


def main() -> int:
    """Print the figures for 20k and 60k hashes."""
    for count in (20_000, 60_000):
        r = bench(count)
        figures = ", ".join(f"{k} {v:.2f} ms" for k, v in r.items())
        sys.stdout.write(f"{count} hashes: {figures}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
