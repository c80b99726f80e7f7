"""Benchmark of reading check-in screenshots (OCR): per image, and fifteen agents at once.

Run: .venv/bin/python bench/bench_ocr.py [--quick]   (offline; figures in bench/RESULTS.md)

1. Per image, each kind in a fresh worker: time of the first (cold) and the following
   readings (p50/p95) and the worker's peak memory, for the 1280×720 screenshot
   samples/ocr-qianniu.png and the 4000×3000 phone photo samples/ocr-phone-photo.jpg.
2. Fifteen check-ins (12 screenshots, 3 phone photos) while the real application
   (tests/harness.py) answers ``/duty`` every 250 ms: the time until the last reading, the
   latency of those commands (p50/p95/max) and the event loop's lag (a 5 ms sleep's
   overshoot, p95/max), against the same commands with no OCR. The fifteen arrive all at
   once with the reading in three set-ups (the worker process with one onnxruntime thread
   as shipped, the same with two, a thread in the bot's own process), then spread over
   two minutes as agents really arrive, with the worker process as shipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import machine
from bot.ocr import OcrResult, ScreenReader
from tests.harness import Harness

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SCREENSHOTS = ["ocr-qianniu.png", "ocr-jingmai.png", "ocr-retaken.png", "ocr-resent.jpg"]
PHOTO = "ocr-phone-photo.jpg"
MAX_SIDE = 1920
TIME_LIMIT = 60.0
COMMAND_EVERY = 0.25
TICK = 0.005

Reader = Callable[[bytes], Awaitable[OcrResult]]


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    """Return p50, p95 and max of a list of milliseconds or seconds."""
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 3),
        "p95": round(pct(values, 95), 3),
        "max": round(max(values), 3),
    }


def peak_kib(pid: int) -> int:
    """Return a process's peak resident memory (VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def rss_kib(pid: int) -> int:
    """Return a process's resident memory now (VmRSS) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """Return the user and system CPU time a process has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def per_image(name: str, runs: int) -> dict[str, Any]:
    """Read one sample ``runs`` times in a fresh worker; return timings and peak memory."""
    data = (SAMPLES / name).read_bytes()
    reader = ScreenReader(TIME_LIMIT, MAX_SIDE)
    started = time.perf_counter()
    problem = await reader.start()
    start_s = time.perf_counter() - started
    if problem:
        raise SystemExit(problem)
    assert reader.pid is not None
    idle = rss_kib(reader.pid)
    seconds = []
    for _ in range(runs + 1):
        result = await reader.read(data)
        if result.problem:
            raise SystemExit(result.problem)
        seconds.append(result.seconds)
        if len(seconds) == 1:
            cpu_after_first = cpu_seconds(reader.pid)
    cpu_each = (cpu_seconds(reader.pid) - cpu_after_first) / runs
    peak, after = peak_kib(reader.pid), rss_kib(reader.pid)
    await reader.close()
    return {
        "image": name,
        "worker_start_s": round(start_s, 2),
        "first_s": round(seconds[0], 2),
        "warm_s": summary(seconds[1:]),
        "warm_cpu_s_each": round(cpu_each, 2),
        "worker_idle_mib": round(idle / 1024),
        "worker_peak_mib": round(peak / 1024),
        "worker_rss_after_mib": round(after / 1024),
        "lines": len(result.lines),
    }


def burst_images() -> list[tuple[str, bytes]]:
    """Return the fifteen check-ins: twelve screenshots and three phone photos."""
    names = [SCREENSHOTS[i % 4] for i in range(12)]
    for at in (3, 8, 13):
        names.insert(at, PHOTO)
    return [(n, (SAMPLES / n).read_bytes()) for n in names]


async def under_load(
    harness: Harness, work: Callable[[], Awaitable[Any]]
) -> tuple[Any, list[float], list[float]]:
    """Run ``work`` while sending /duty every 250 ms and timing the loop's lag."""
    latencies: list[float] = []
    lags: list[float] = []
    done = asyncio.Event()

    async def commands() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            await harness.send("2", "/duty")
            latencies.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(COMMAND_EVERY)

    async def ticker() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append((time.perf_counter() - t0 - TICK) * 1000)

    tasks = [asyncio.create_task(commands()), asyncio.create_task(ticker())]
    try:
        result = await work()
    finally:
        done.set()
        await asyncio.gather(*tasks)
    return result, latencies, lags


async def burst(
    harness: Harness, read: Reader, arrivals: list[float]
) -> tuple[dict[str, Any], list[float], list[float]]:
    """Start the fifteen readings at ``arrivals`` (seconds); time them and the commands."""
    images = burst_images()

    async def one(delay: float, name: str, data: bytes) -> tuple[str, float, OcrResult]:
        await asyncio.sleep(delay)
        t0 = time.perf_counter()
        result = await read(data)
        return name, time.perf_counter() - t0, result

    async def everything() -> dict[str, Any]:
        t0 = time.perf_counter()
        jobs = [one(d, n, b) for d, (n, b) in zip(arrivals, images, strict=True)]
        done = await asyncio.gather(*jobs)
        problems = [r.problem for _, _, r in done if r.problem]
        return {
            "until_last_reading_s": round(time.perf_counter() - t0, 1),
            "after_last_arrival_s": round(time.perf_counter() - t0 - max(arrivals), 1),
            "wait_and_read_s": summary([s for _, s, _ in done]),
            "problems": problems,
        }

    return await under_load(harness, everything)


async def idle_baseline(harness: Harness, seconds: float) -> tuple[list[float], list[float]]:
    """Send the same commands for ``seconds`` with no OCR running."""
    _, latencies, lags = await under_load(harness, lambda: asyncio.sleep(seconds))
    return latencies, lags


def thread_reader() -> tuple[Reader, Callable[[], None]]:
    """Return a reader that runs the engine in a thread of this process, and its closer."""
    from bot.ocr.engine import ImageProblem, engine, read_lines

    executor = ThreadPoolExecutor(1)
    loop = asyncio.get_running_loop()
    executor.submit(engine)  # loaded before the first image, as the worker does

    async def read(data: bytes) -> OcrResult:
        t0 = time.perf_counter()
        try:
            lines, size = await loop.run_in_executor(executor, read_lines, data, MAX_SIDE)
        except ImageProblem as err:
            return OcrResult(problem=str(err))
        return OcrResult(tuple(lines), None, size, time.perf_counter() - t0)

    return read, lambda: executor.shutdown(wait=True)


async def bench_burst(root: Path, spread: float, quick: bool) -> dict[str, Any]:
    """Run the baseline and the bursts against one application."""
    results: dict[str, Any] = {}
    async with Harness(root / "data", start="2026-11-24 08:40") as harness:
        for _ in range(20):  # warm the handlers' first-call costs
            await harness.send("2", "/duty")
        latencies, lags = await idle_baseline(harness, 10 if quick else 30)
        results["no_ocr"] = {"commands_ms": summary(latencies), "loop_lag_ms": summary(lags)}
        setups: list[tuple[str, int]] = [("process", 1)]
        if not quick:
            setups += [("process_2_threads", 2), ("thread_in_bot", 1)]
        for label, threads in setups:
            closer: Callable[[], None] | None = None
            if label == "thread_in_bot":
                read, closer = thread_reader()
                await read((SAMPLES / SCREENSHOTS[0]).read_bytes())  # engine loaded and warm
            else:
                reader = ScreenReader(TIME_LIMIT, MAX_SIDE, threads=threads)
                await reader.start()
                await reader.read((SAMPLES / SCREENSHOTS[0]).read_bytes())
                read = reader.read
            outcome, latencies, lags = await burst(harness, read, [0.0] * 15)
            results[f"at_once_{label}"] = {
                **outcome,
                "commands_ms": summary(latencies),
                "loop_lag_ms": summary(lags),
            }
            if label == "process":
                rng = random.Random(16)
                arrivals = sorted(rng.uniform(0, spread) for _ in range(15))
                outcome, latencies, lags = await burst(harness, read, arrivals)
                results[f"spread_{spread:g}s_{label}"] = {
                    **outcome,
                    "commands_ms": summary(latencies),
                    "loop_lag_ms": summary(lags),
                }
            if closer is not None:
                closer()
            else:
                await reader.close()
        harness.assert_clean()
    return results


async def main() -> None:
    """Run every part and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, one set-up only")
    parser.add_argument("--spread", type=float, default=120.0, help="seconds the 15 arrive in")
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": machine()}
    runs = (3, 2) if args.quick else (20, 10)
    report["per_image"] = [
        await per_image(SCREENSHOTS[0], runs[0]),
        await per_image(PHOTO, runs[1]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        report["burst"] = await bench_burst(Path(tmp), args.spread, args.quick)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
