"""Benchmark of the deadlines feature: command latency, start-up, and a burst of 500 dues.

Run: .venv/bin/python bench/bench_deadlines.py [--burst | --lists]   (offline, in-process, on
the demo team; --burst: only the burst of due reminders, with the longest event loop block;
--lists: only the lists /mine, /due, /overdue over items due from three days ago to four
days ahead, about 2,100 of them overdue)
Stores 5,000 open items (each with its one pending timer) and 100,000 closed ones, then
measures /unpaid and /mine (p50/p95), the start-up including the schedule rebuild, and
500 items falling due in the same minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.times import iso
from bot.persistence.deadlines import SHARDS
from tests.harness import Harness

OPEN = 5_000
CLOSED = 100_000
BURST = 500
RUNS = 200
START = "2026-11-23 08:30"
AGENTS = [100012, 100013, 100021, 100022, 100011]  # user ids of the demo agents


async def with_loop_probe(
    work: Callable[[], Awaitable[object]],
) -> tuple[float, float, list[float]]:
    """Run ``work`` beside a 1 ms heartbeat; return its start, its duration in seconds and
    how long each heartbeat sleep really took in ms (the longest is the loop's longest block)."""
    gaps: list[float] = []
    running = True

    async def heartbeat() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append((now - last) * 1000)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    t0 = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - t0
    running = False
    await beat
    return t0, elapsed, gaps


def stored_item(item_id: int, owner: int, due: datetime, now: datetime) -> dict[str, Any]:
    """Return an open deadline item as the repository stores it (for seeding benches)."""
    kind = ("dunning", "ticket", "shipped")[item_id % 3]
    rule = {"dunning": "dunning", "ticket": "erp", "shipped": "shipped"}[kind]
    return {
        "id": item_id,
        "type": kind,
        "rule": rule,
        "ref": f"B{item_id:09d}",
        "platform": "taobao",
        "note": "",
        "owner": owner,
        "creator": owner,
        "created": iso(now),
        "received": iso(now),
        "due": iso(due),
        "opens": None,
        "rung": 0,
        "attempts": [],
    }


def seed(data: Path, now: datetime, burst_at: datetime | None, spread: bool = False) -> None:
    """Write 5,000 open items in their shards, the deadlines timer, 100,000 closed items.

    ``spread``: the items fall due from three days ago to four days ahead, their reminders
    all sent (so the lists have overdue items and the bench sends no reminders).
    """
    data.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, Any]] = [{} for _ in range(SHARDS)]
    soonest = iso(now + timedelta(days=30))
    for n in range(1, OPEN + 1):
        if burst_at is not None and n <= BURST:
            due = burst_at + timedelta(minutes=30)  # first rung (30 min before) = burst_at
        elif spread:
            due = now + timedelta(minutes=(n * 37) % (7 * 24 * 60) - 3 * 24 * 60)
        else:
            due = now + timedelta(days=2, minutes=n)  # the rest stays quiet during the bench
        doc = stored_item(n, AGENTS[n % len(AGENTS)], due, now)
        doc["next_at"] = None if spread else iso(due - timedelta(minutes=30))
        soonest = min(soonest, doc["next_at"] or soonest)
        shards[n % SHARDS][str(n)] = doc
    for index, items in enumerate(shards):
        (data / f"deadlines-{index:02d}.json").write_text(
            json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8"
        )
    (data / "deadlines.json").write_text(
        json.dumps({"meta": {"1": {"name": "last_id", "value": OPEN + CLOSED}}}), encoding="utf-8"
    )
    tick = {"key": "deadlines:tick", "kind": "deadlines:tick", "due": soonest, "payload": {}}
    planned = {"1": {"name": "planned_until", "value": iso(now + timedelta(hours=36))}}
    (data / "schedule.json").write_text(
        json.dumps({"timers": {"1": tick}, "outbox": {}, "meta": planned}), encoding="utf-8"
    )
    month = data / "archive" / "2026-10"
    month.mkdir(parents=True, exist_ok=True)
    with open(month / "deadlines.jsonl", "w", encoding="utf-8") as handle:
        for n in range(OPEN + 1, OPEN + CLOSED + 1):
            record = stored_item(n, AGENTS[n % len(AGENTS)], now - timedelta(days=30), now)
            record.update(status="paid", closed_at=iso(now - timedelta(days=29)), closed_by=100012)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def pct(values: list[float], q: float) -> float:
    """Return the q-quantile of a list of milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench_commands(root: Path) -> dict[str, Any]:
    harness = Harness(root / "cmd", start=START)
    seed(harness.data_dir, harness.clock.now(), None)
    # Re-create the harness so the application is built over the seeded folder.
    started = time.perf_counter()
    harness = Harness(root / "cmd", start=START)
    await harness.__aenter__()
    startup = (time.perf_counter() - started) * 1000
    harness.api.started.update(AGENTS)
    results: dict[str, Any] = {"startup_ms": startup}
    unpaid, mine = [], []
    for n in range(RUNS):
        t0 = time.perf_counter()
        await harness.send("2", f"/unpaid 77{n:08d} 淘宝 07:00")
        unpaid.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        calls = await harness.send("2", "/mine")
        mine.append((time.perf_counter() - t0) * 1000)
    assert "的待办" in calls[0].text
    for name, values in (("unpaid", unpaid), ("mine", mine)):
        results[name] = {
            "p50": statistics.median(values),
            "p95": pct(values, 0.95),
            "max": max(values),
        }
    sizes = {p.name: p.stat().st_size for p in harness.data_dir.glob("*.json")}
    results["file_kb"] = {k: round(v / 1024) for k, v in sizes.items()}
    await harness.__aexit__()
    started = time.perf_counter()
    again = Harness(root / "cmd", start=START)
    await again.__aenter__()
    results["restart_ms"] = (time.perf_counter() - started) * 1000
    await again.__aexit__()
    return results


async def bench_lists(root: Path) -> dict[str, Any]:
    """Time /mine, /due, /due 明天, /overdue (and /overdue 2 where it exists), interleaved,
    beside a command answered with its usage line (the harness and handler alone)."""
    harness = Harness(root / "lists", start=START)
    seed(harness.data_dir, harness.clock.now(), None, spread=True)
    harness = Harness(root / "lists", start=START)
    await harness.__aenter__()
    commands = {
        "anchor_usage_reply": ("2", "/due 后天"),  # the same path with no list: the floor
        "mine": ("2", "/mine"),
        "due": ("2", "/due"),
        "due_tomorrow": ("2", "/due 明天"),
        "overdue": ("80", "/overdue"),
        "overdue_one": ("80", "/overdue 2"),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    replies: dict[str, str] = {}
    for _ in range(RUNS):
        for name, (who, text) in commands.items():
            t0 = time.perf_counter()
            calls = await harness.send(who, text)
            times[name].append((time.perf_counter() - t0) * 1000)
            replies[name] = "\n".join(c.text for c in calls)
    await harness.__aexit__()
    return {
        name: {
            "p50": statistics.median(values),
            "p95": pct(values, 0.95),
            "max": max(values),
            "lines": len(replies[name].splitlines()),
            "first_line": replies[name].splitlines()[0],
            "chars": len(replies[name]),
        }
        for name, values in times.items()
    }


async def bench_burst(root: Path) -> dict[str, Any]:
    harness = Harness(root / "burst", start=START)
    # 10:00: the day shift is on, so reminders go to the owners themselves.
    burst_at = harness.clock.now().astimezone(UTC) + timedelta(minutes=90)
    seed(harness.data_dir, harness.clock.now(), burst_at)
    harness = Harness(root / "burst", start=START)
    await harness.__aenter__()
    harness.api.started.update(m.user_id for m in harness.svc.members.all())
    # Whatever else fell due meanwhile (the daily backup) runs first: the burst alone is timed.
    harness.clock.set(burst_at - timedelta(seconds=1))
    await harness.svc.scheduler.run_due()
    harness.clock.set(burst_at)
    _t0, elapsed, gaps = await with_loop_probe(harness.svc.scheduler.run_due)
    sent = [
        c
        for c in harness.api.calls
        if c.method == "sendMessage" and not (isinstance(c.result, dict) and "error" in c.result)
    ]
    per_chat = Counter(c.chat_id for c in sent)
    notes = sum(c.text.count("还有 30 分钟到期") for c in sent)
    counted = sum(int(m) for c in sent for m in re.findall(r"另有 (\d+) 条", c.text))
    await harness.__aexit__()
    return {
        "seconds": elapsed,
        "loop_block_max_ms": max(gaps) if gaps else 0.0,
        "messages": len(sent),
        "max_per_recipient": max(per_chat.values()) if per_chat else 0,
        "recipients": len(per_chat),
        "reminders_in_messages": notes,
        "reminders_counted": counted,
    }


def machine() -> str:
    """Describe the machine the figures come from (the benchmarks' one description)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"nproc {os.cpu_count()}, CPU {cpu}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average at start {load:.2f}"
    )


async def main() -> None:
    burst_only = sys.argv[1:] == ["--burst"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if sys.argv[1:] == ["--lists"]:
            print(f"machine: {machine()}")
            print(f"open items {OPEN}, runs {RUNS} of each, interleaved")
            for name, r in (await bench_lists(root)).items():
                print(
                    f"{name}: p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, max {r['max']:.1f} ms"
                    f" · {r['lines']} lines, {r['chars']} chars · {r['first_line']}"
                )
            return
        commands = None if burst_only else await bench_commands(root)
        burst = await bench_burst(root)
    print(f"machine: {machine()}")
    print(
        f"burst of {BURST} due in one minute: {burst['seconds']:.2f} s, "
        f"longest event loop block {burst['loop_block_max_ms']:.1f} ms, "
        f"{burst['messages']} messages to {burst['recipients']} recipients "
        f"(max {burst['max_per_recipient']} per recipient), "
        f"{burst['reminders_in_messages']} reminders listed + "
        f"{burst['reminders_counted']} counted as 另有 N 条"
    )
    if commands is None:
        return
    print(f"open items {OPEN}, closed items {CLOSED}, runs {RUNS}")
    print(f"start-up incl. schedule rebuild: {commands['startup_ms']:.0f} ms")
    print(f"restart after the runs: {commands['restart_ms']:.0f} ms")
    for name in ("unpaid", "mine"):
        r = commands[name]
        print(f"/{name}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms")
    print(f"live files (KB): {commands['file_kb']}")


if __name__ == "__main__":
    asyncio.run(main())
