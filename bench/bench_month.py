"""Benchmark of the month's end: KPI sheet, spreadsheet export and charts for 30 agents.

Run: .venv/bin/python bench/bench_month.py   (offline; a temporary data folder)
Seeds one year of synthetic records for 30 agents through the real archive formats
(check-ins, closed deadline items with dunning, order remarks, discount decisions and
gifts, the lead's KPI entries, eleven final sheets), then runs the month-end for the
twelfth month as the service layer would: gather the month from the repositories, score
30 rows, archive the final sheet, build the .xlsx, a KPI chart and a 12-month trend chart.
Three ways are timed while the demo bot (tests/harness.py) answers /help every 20 ms on
the same event loop, and a 5 ms heartbeat measures how long the loop was blocked:
  inline  - everything on the event loop;
  thread  - gathering on the loop, builders in a worker thread;
  process - past-month archives read in a thread, builders in the worker process.
"""

from __future__ import annotations

import asyncio
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import machine
from bot.domain.checkin import Status
from bot.domain.checkin_report import AttendanceRow
from bot.domain.discounts import Gift, Request, State
from bot.domain.kpi import (
    AgentInputs,
    Attendance,
    Entries,
    Figure,
    KpiRules,
    Row,
    score,
)
from bot.domain.orders import DunningAttempt, RemarkVersion, remark_event
from bot.domain.remarks import parse_remark
from bot.domain.times import iso, parse_iso
from bot.persistence.archive import Archive
from bot.persistence.discounts import DiscountRepo, request_doc
from bot.persistence.kpi import KpiRepo
from bot.persistence.store import Store
from bot.reports.chart_specs import KpiChart, TrendChart
from bot.reports.charts import render
from bot.reports.export import build_xlsx
from bot.reports.rows import DeadlineLine, DunningLine, MonthExport, RemarkLine, SalesLine
from bot.reports.summaries import execution_figures
from bot.reports.worker import ReportWorker
from tests.harness import Harness

TZ = ZoneInfo("Asia/Shanghai")
AGENTS = 30
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
MONTH = MONTHS[-1]
ITEMS_PER_DAY = 10  # closed deadline items per agent per working day (a third are dunning)
ORDERS_PER_DAY = 15  # orders remarked per agent per working day
RULES = KpiRules()
NAMES = "张王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施孔曹严华金魏"


@dataclass
class Agent:
    """A synthetic agent."""

    work_no: str
    name: str
    user_id: int


AGENT_LIST = [Agent(str(i + 1), f"{NAMES[i]}{i + 1}", 200000 + i) for i in range(AGENTS)]


def days_of(month: str) -> list[date]:
    """Return the working days (six a week) of a month."""
    year, number = (int(p) for p in month.split("-"))
    day, days = date(year, number, 1), []
    while day.month == number:
        if day.weekday() != 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Return an aware moment on ``day`` in the team's timezone."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def seed(root: Path) -> dict[str, int]:
    """Write a year of records for 30 agents; return how many of each."""
    rng = random.Random(15)
    store = Store(root)
    archive = store.archive
    remark = parse_remark("1号客服、发顺丰快递、赠送小礼品")
    counts: Counter[str] = Counter()
    item_id = 0
    kpi = KpiRepo(store)
    for month_index, month in enumerate(MONTHS):
        checkins, items, events, requests, gifts = [], [], [], [], []
        for day in days_of(month):
            for agent in AGENT_LIST:
                if rng.random() < 0.03:
                    continue  # absent: no check-in
                late = rng.random() < 0.05
                at = local(day, 8, 55 if late else 44)
                status = Status.LATE if late else Status.ON_TIME
                checkins.append(
                    {
                        "day": day.isoformat(),
                        "shift": "day",
                        "work_no": agent.work_no,
                        "name": agent.name,
                        "at": iso(at),
                        "status": status.value,
                        "late_minutes": 5 * late,
                        "accounts": [],
                        "images": [],
                        "duplicates": [],
                    }
                )
                for n in range(ITEMS_PER_DAY):
                    item_id += 1
                    due = local(day, 10 + n % 8, 30)
                    done = due + timedelta(
                        minutes=rng.randint(-90, 30 if rng.random() < 0.2 else 0)
                    )
                    kind = ("dunning", "ticket", "followup")[n % 3]
                    items.append(
                        {
                            "id": item_id,
                            "type": kind,
                            "rule": {"dunning": "dunning", "ticket": "jd", "followup": "followup"}[
                                kind
                            ],
                            "ref": f"客户 1380000{item_id % 10000:04d}",
                            "platform": "tmall",
                            "owner": agent.user_id,
                            "creator": agent.user_id,
                            "received": iso(due - timedelta(hours=2)),
                            "due": iso(due),
                            "status": "paid"
                            if kind == "dunning" and rng.random() < 0.6
                            else "done",
                            "closed_at": iso(done),
                            "closed_by": agent.user_id,
                            "attempts": [{"at": iso(done), "result": "已付款"}],
                        }
                    )
                for n in range(ORDERS_PER_DAY):
                    order_no = (
                        f"{month_index:02d}{day.day:02d}{agent.work_no:0>2}{n:03d}0123456789"
                    )
                    at = local(day, 9 + n % 10, n)
                    version = RemarkVersion(
                        1,
                        at,
                        agent.work_no,
                        agent.name,
                        agent.work_no,
                        agent.name,
                        "标准",
                        remark.canonical(f"{agent.work_no}号客服"),
                        remark,
                        "tmall",
                    )
                    events.append(remark_event(order_no, version))
                    if n % 5 == 0:
                        attempt = DunningAttempt(
                            at=at + timedelta(hours=1),
                            result="已付款",
                            work_no=agent.work_no,
                            name=agent.name,
                        )
                        events.append(attempt.event(order_no, "tmall"))
        for agent in AGENT_LIST:
            for n in range(rng.randint(3, 8)):
                day = rng.choice(days_of(month))
                number = len(requests) + 1 + month_index * 1000
                requests.append(
                    request_doc(
                        Request(
                            number,
                            f"R{number:010d}",
                            agent.work_no,
                            agent.name,
                            2,
                            Decimal(rng.randint(60, 200)),
                            "老客户",
                            local(day, 10),
                            State.APPROVED,
                            local(day, 11),
                            "80",
                            "李组长",
                            n >= 5,
                        )
                    )
                )
            for n in range(rng.randint(5, 15)):
                day = rng.choice(days_of(month))
                gift = Gift(f"G{n:010d}", agent.work_no, agent.name, "床笠", local(day, 12))
                gifts.append({**gift.__dict__, "at": iso(gift.at)})
        archive.extend("checkins", month, checkins)
        by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            by_month[item["closed_at"][:7]].append(item)
        for key, records in by_month.items():
            archive.extend("deadlines", key, records)
        archive.extend("orders", month, events)
        archive.extend("discounts", month, requests)
        archive.extend("discount_gifts", month, gifts)
        counts.update(
            checkins=len(checkins),
            items=len(items),
            order_events=len(events),
            requests=len(requests),
            gifts=len(gifts),
        )
        moment = local(days_of(month)[-1], 18)
        for agent in AGENT_LIST:
            for part in ("service", "complaints", "cooperation"):
                kpi.set_grade(month, agent.work_no, part, rng.choice("优良中"), "80", moment)
            kpi.set_refund_rate(
                month, agent.work_no, Decimal(rng.randint(0, 80)) / 10, "80", moment
            )
            if rng.random() < 0.3:
                kpi.add_adjustment(month, agent.work_no, "complaint", -5, "投诉", "80", moment)
            counts["kpi_entries"] += 5
        if month != MONTH:  # earlier months were closed at their own month-end
            entries = kpi.entries(month)
            rows = [
                score(
                    AgentInputs(
                        a.work_no, a.name, Attendance(), (), entries.get(a.work_no, Entries())
                    ),
                    RULES,
                )
                for a in AGENT_LIST
            ]
            kpi.finalize(month, rows, moment + timedelta(days=1))
    store.close()
    sizes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    counts["data_mb"] = round(sizes / 1e6)
    return dict(counts)


@dataclass
class Gathered:
    """What month-end reads: the month's archives and the small live files."""

    attendance: list[AttendanceRow] = field(default_factory=list)
    attendance_counts: dict[str, Attendance] = field(default_factory=dict)
    deadlines: list[DeadlineLine] = field(default_factory=list)
    dunning: list[DunningLine] = field(default_factory=list)
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    sales: list[SalesLine] = field(default_factory=list)
    remarks: list[RemarkLine] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    gifts: list[Gift] = field(default_factory=list)
    entries: dict[str, Entries] = field(default_factory=dict)
    trend: list[tuple[str, float | None]] = field(default_factory=list)


def gather_archived(archive_root: Path, month: str, got: Gathered) -> None:
    """Read a closed month from the append-only archives only (safe in a thread or process)."""
    archive = Archive(archive_root)
    by_user = {a.user_id: a for a in AGENT_LIST}
    label = {a.work_no: f"{a.work_no}号 {a.name}" for a in AGENT_LIST}
    year, number = (int(p) for p in month.split("-"))
    start = datetime(year, number, 1, tzinfo=TZ)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=TZ)
    checkins = list(archive.read("checkins", month))
    duty = len(days_of(month))
    for agent in AGENT_LIST:
        own = [c for c in checkins if c["work_no"] == agent.work_no]
        late = sum(1 for c in own if c["status"] == Status.LATE.value)
        minutes = sum(c.get("late_minutes", 0) for c in own)
        row = AttendanceRow(label[agent.work_no], duty, len(own) - late, late, minutes)
        row.missing = duty - len(own)
        got.attendance.append(row)
        got.attendance_counts[agent.work_no] = Attendance(late=late, absent=row.missing)
    for item in archive.read("deadlines", month):
        agent = by_user[item["owner"]]
        due, done = parse_iso(item["due"]), parse_iso(item["closed_at"])
        owner = label[agent.work_no]
        received = parse_iso(item["received"])
        got.deadlines.append(
            DeadlineLine(item["id"], item["rule"], owner, item["ref"], due, done,
                         item["status"], received, agent.work_no, item["type"])
        )  # fmt: skip
        if item["type"] == "dunning":
            paid = item["status"] == "paid"
            got.dunning.append(
                DunningLine(
                    str(item["id"]), "天猫", owner, due, done, "已付款", paid, agent.work_no
                )
            )
    for agent in AGENT_LIST:
        figures = execution_figures(agent.work_no, got.deadlines, got.dunning, end)
        got.figures[agent.work_no] = list(figures)
    sold: Counter[str] = Counter()
    written: Counter[str] = Counter()
    events = [e for e in archive.read("orders", month) if start <= parse_iso(e["at"]) < end]
    for event in sorted(events, key=lambda e: e["at"]):
        if event["kind"] != "remark":
            continue
        written[event["seller"]] += 1
        sold[event["seller"]] += event["number"] == 1
        got.remarks.append(
            RemarkLine(event["order_no"], parse_iso(event["at"]), label[event["seller"]],
                       label[event["author"]], "红旗", event["canonical"])
        )  # fmt: skip
    got.sales = [
        SalesLine(a.work_no, a.name, sold[a.work_no], written[a.work_no]) for a in AGENT_LIST
    ]


def gather_live(store: Store, month: str) -> Gathered:
    """Read what lives in the TinyDB files (decisions, the lead's entries, final sheets)."""
    got = Gathered()
    discounts = DiscountRepo(store, TZ)
    got.requests = discounts.decided_in(month)
    got.gifts = discounts.gifts_in(month)
    kpi = KpiRepo(store)
    got.entries = kpi.entries(month)
    for past in kpi.final_months()[-11:]:
        final = kpi.sheet(past)
        rows = final[1] if final else []
        got.trend.append((past, statistics.mean(r.score for r in rows) if rows else None))
    return got


def score_rows(got: Gathered) -> list[Row]:
    """Return the 30 rows of the sheet."""
    return [
        score(
            AgentInputs(a.work_no, a.name, got.attendance_counts[a.work_no],
                        tuple(got.figures[a.work_no]), got.entries.get(a.work_no, Entries())),
            RULES,
        )
        for a in AGENT_LIST
    ]  # fmt: skip


def describe(got: Gathered, rows: list[Row]) -> tuple[MonthExport, KpiChart, TrendChart]:
    """Describe the export and the two charts."""
    export = MonthExport(
        MONTH, "Asia/Shanghai", datetime(2027, 1, 1, 0, 30, tzinfo=TZ), True,
        tuple(got.attendance), 20, tuple(got.deadlines), tuple(got.dunning), tuple(got.sales),
        tuple(got.remarks), tuple(got.requests), tuple(got.gifts), tuple(rows), RULES,
    )  # fmt: skip
    scores = tuple((f"{r.work_no}号 {r.name}", r.score) for r in rows)
    kpi_chart = KpiChart(f"{MONTH} 考核", scores, RULES.total, float(RULES.pass_mark))
    months = (*[m for m, _ in got.trend], MONTH)
    average = (*[v for _, v in got.trend], statistics.mean(r.score for r in rows))
    trend = TrendChart(
        "近12个月考核", months, (("团队平均", average),), RULES.total, float(RULES.pass_mark)
    )
    return export, kpi_chart, trend


def month_end_in_worker(
    archive_root: Path, month: str, got: Gathered
) -> tuple[list[Row], bytes, list[bytes]]:
    """Do all of month-end but the final write in the worker: only rows and bytes come back."""
    gather_archived(archive_root, month, got)
    rows = score_rows(got)
    export, kpi_chart, trend = describe(got, rows)
    return rows, build_xlsx(export), [render(kpi_chart), render(trend)]


@dataclass
class Run:
    """Figures of one way of running month-end."""

    mode: str
    seconds: dict[str, float] = field(default_factory=dict)
    stall_ms: float = 0.0
    stall_phase: str = ""
    help_ms: list[float] = field(default_factory=list)
    xlsx_kb: int = 0
    png_kb: list[int] = field(default_factory=list)


async def heartbeat(stop: asyncio.Event, worst: list[float]) -> None:
    """Record the longest time the loop could not run a 5 ms sleep on time, and when it ended."""
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(0.005)
        stall = (time.perf_counter() - t0 - 0.005) * 1000
        if stall > worst[0]:
            worst[:] = [stall, time.perf_counter()]


async def answer_help(bot: Harness, stop: asyncio.Event, latencies: list[float]) -> None:
    """Send /help every 20 ms; record the time from when it was due until it was answered."""
    due = time.perf_counter()
    while not stop.is_set():
        due += 0.02
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        calls = await bot.send("1", "/help")
        latencies.append((time.perf_counter() - due) * 1000)
        assert calls, "no answer to /help"
        due = max(due, time.perf_counter() - 0.02)  # after a stall, one late command, not a burst


MODES = ("idle", "inline", "thread", "process", "worker")


async def run_mode(mode: str, source: Path, work: Path, bot: Harness) -> Run:
    """Copy the seeded folder and run month-end one way while the bot answers /help."""
    root = work / mode
    shutil.copytree(source, root)
    store = Store(root)
    archive_root = root / "archive"
    result = Run(mode)
    worker = ReportWorker(processes=mode != "thread") if mode not in ("idle", "inline") else None
    if worker is not None:
        await worker.start()
    stop, worst = asyncio.Event(), [0.0]
    beats = asyncio.create_task(heartbeat(stop, worst))
    helper = asyncio.create_task(answer_help(bot, stop, result.help_ms))
    await asyncio.sleep(0.2)
    marks = {"gather": time.perf_counter()}
    if mode == "idle":  # the noise floor: no month-end, only /help and the heartbeat
        await asyncio.sleep(3.0)
    elif mode == "worker":
        got = gather_live(store, MONTH)
        marks["worker"] = time.perf_counter()
        rows, xlsx, pngs = await worker.run(month_end_in_worker, archive_root, MONTH, got)
        marks["archive the sheet"] = time.perf_counter()
        KpiRepo(store).finalize(MONTH, rows, datetime(2027, 1, 1, 0, 30, tzinfo=TZ))
    else:
        got = gather_live(store, MONTH)
        if mode == "process":
            await asyncio.to_thread(gather_archived, archive_root, MONTH, got)
        else:
            gather_archived(archive_root, MONTH, got)
        marks["score + archive the sheet"] = time.perf_counter()
        rows = score_rows(got)
        KpiRepo(store).finalize(MONTH, rows, datetime(2027, 1, 1, 0, 30, tzinfo=TZ))
        export, kpi_chart, trend = describe(got, rows)
        marks["xlsx"] = time.perf_counter()
        if worker is None:
            xlsx = build_xlsx(export)
            marks["2 charts"] = time.perf_counter()
            pngs = [render(kpi_chart), render(trend)]
        else:
            xlsx = await worker.xlsx(export)
            marks["2 charts"] = time.perf_counter()
            pngs = [await worker.chart(kpi_chart), await worker.chart(trend)]
    marks["end"] = time.perf_counter()
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(beats, helper)
    if worker is not None:
        worker.close()
    store.close()
    names = list(marks)
    for name, following in pairwise(names):
        result.seconds[name] = marks[following] - marks[name]
    if mode != "idle":
        result.seconds["month-end total"] = marks["end"] - marks["gather"]
        result.xlsx_kb = len(xlsx) // 1024
        result.png_kb = [len(p) // 1024 for p in pngs]
    result.stall_ms = worst[0]
    result.stall_phase = max((k for k in names if marks[k] <= worst[1]), key=lambda k: marks[k])
    return result


def pct(values: list[float], q: float) -> float:
    """Return the q-quantile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def memory(work: Path) -> float:
    """Return the peak of Python allocations (MB) of one month-end in this process, traced."""
    root = work / "memory"
    shutil.copytree(work / "seed", root)
    store = Store(root)
    tracemalloc.start()
    got = gather_live(store, MONTH)
    gather_archived(root / "archive", MONTH, got)
    export, kpi_chart, _ = describe(got, score_rows(got))
    build_xlsx(export)
    render(kpi_chart)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    store.close()
    return peak


async def main() -> None:
    """Seed once, run each way, print the figures."""
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        counts = seed(work / "seed")
        print(f"seeded in {time.perf_counter() - t0:.0f} s: {counts}")
        async with Harness(work / "bot") as bot:
            bot.api.started.add(bot.person("1").user_id)
            for mode in MODES:
                report(await run_mode(mode, work / "seed", work, bot))
        print(f"\npython allocations peak of one month-end in-process: {memory(work):.0f} MB")
    usage_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS: bench process {usage_self:.0f} MB, worker process {usage_children:.0f} MB")


def report(run: Run) -> None:
    """Print the figures of one way."""
    print(f"\n== {run.mode}")
    for name, seconds in run.seconds.items():
        print(f"{name}: {seconds * 1000:.0f} ms")
    print(f"max event-loop stall: {run.stall_ms:.0f} ms (ended during: {run.stall_phase})")
    help_ms = run.help_ms
    print(
        f"/help answered {len(help_ms)} times: p50 {statistics.median(help_ms):.1f} ms, "
        f"p95 {pct(help_ms, 0.95):.1f} ms, max {max(help_ms):.0f} ms"
    )
    if run.png_kb:
        print(f"xlsx {run.xlsx_kb} KB, PNG {run.png_kb} KB")


if __name__ == "__main__":
    asyncio.run(main())
