"""A year (or a fraction, or three) of a 30-agent team: every command timed in-process.

Run: ``.venv/bin/python bench/bench_year.py [--years 0.0833 0.25 1 3] [--samples 250]
[--json out.json]`` and, to write the comparison into bench/RESULTS.md,
``.venv/bin/python bench/bench_year.py --report before.json after.json``.

For each scale the data folder is built in a temporary folder through the bot's own code:
remark events from the domain's ``remark_event``, check-ins and handover items from the
repositories' own serialisers, appended with ``Archive.extend`` month by month, the live
files written with ``insert_multiple`` through ``Store.db``, and the last 14 days appended
day by day with ``Store.backup`` after each, as the daily backup job does. Per year: 300
order remarks a day (~110k), the check-ins of 30 agents (2 screenshots each, the last 90
days of images on disk), ~19 handover items a day, 100k closed deadline items, 800 sent
notifications a day; always 5,000 open deadline items. Then the real application
(tests/harness.py) runs every command, and a burst of 500 reminders due in one minute is
delivered while a heartbeat task measures how long the event loop is blocked. Anchors in
the same run: an SQLite WAL insert of the same remark rows, a python-telegram-bot echo
handler, a bare PTB application's start-up. Start-up runs in a fresh process (twice: the
first start after the data was written, then a plain restart) for its time and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import io
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_deadlines import machine, stored_item, with_loop_probe
from bot.config import parse_settings
from bot.domain.checkin import Checkin, Image, Status
from bot.domain.handover import Item
from bot.domain.orders import RemarkVersion, remark_event
from bot.domain.remarks import parse_remark, seller_label
from bot.domain.times import iso
from bot.persistence import checkin as checkin_store
from bot.persistence.handover import to_doc as handover_doc
from bot.persistence.store import Store
from tests.harness import Harness, example_raw

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
START = "2026-11-23 10:00"  # a Monday: the day shift is on
LAST_MONTH = "2026-10"
AGENTS = 30
REMARKS_A_DAY = 300
HANDOVER_A_DAY = 19
CLOSED_DEADLINES_A_YEAR = 100_000
OPEN_DEADLINES = 5_000
NOTES_A_DAY = 800
BURST = 500
BACKUP_DAYS = 14
IMAGE_DAYS = 90
SHARDS = 16
REMARK_TEXTS = (
    "发顺丰 尺码未确认等确定了再发 送小礼品 退5元",
    "标准",
    "发中通 送钥匙扣",
    "延迟发货 月底发 红",
    "发京东 退10元 客户要发票",
)
SLOW = ("sales", "attendance")
# Start as the real bot does (start-up objects frozen out of GC) where the code has the switch,
# so the same script still measures older commits.
SETTLE = {"settle": True} if "settle" in inspect.signature(Harness).parameters else {}


# ---- settings -------------------------------------------------------------------------------


def team_raw() -> dict[str, Any]:
    """Return the demo settings with a team of 30 agents, two leads and an admin."""
    raw = example_raw()
    members: list[dict[str, Any]] = [
        {"user_id": 100001, "work_no": 90, "name": "周主管", "role": "admin"},
        {"user_id": 100002, "work_no": 80, "name": "李组长", "role": "lead", "shift": "day"},
        {"user_id": 100003, "work_no": 81, "name": "陈组长", "role": "lead", "shift": "night"},
    ]
    for n in range(1, AGENTS + 1):
        members.append(
            {
                "user_id": 100100 + n,
                "work_no": n,
                "name": f"客服{n}",
                "role": "agent",
                "shift": "day" if n <= AGENTS // 2 else "night",
                "days_off": [(n % 7) + 1],
            }
        )
    raw["members"] = members
    raw["storage"]["backup_days"] = BACKUP_DAYS
    return raw


def agent_shift(n: int) -> str:
    return "day" if n <= AGENTS // 2 else "night"


# ---- building the data folder ----------------------------------------------------------------


class Builder:
    """Write a scaled history of the team into a data folder through the bot's code."""

    def __init__(self, data: Path, years: float) -> None:
        self.data = data
        self.settings = parse_settings(team_raw())
        self.tz = self.settings.timezone
        self.now = datetime.strptime(START, "%Y-%m-%d %H:%M").replace(tzinfo=self.tz)
        self.today = self.now.date()
        self.days = max(1, round(365 * years))
        self.first = self.today - timedelta(days=self.days - 1)
        self.rng = random.Random(20261123)
        remarks = self.settings.remarks
        self.parsed = [parse_remark(t, remarks.couriers, remarks.precedence) for t in REMARK_TEXTS]
        self.remarks_settings = remarks
        self.counts: dict[str, int] = defaultdict(int)
        self.order_counter = 0
        self.recent_orders: list[tuple[str, int, int]] = []  # (order_no, versions, seller)
        self.live_orders: dict[str, list[dict[str, Any]]] = {}
        self.old_orders: list[str] = []
        self.item_id = 0
        self.png = _png(0)

    def build(self) -> dict[str, Any]:
        """Write everything; return what was written."""
        started = time.perf_counter()
        store = Store(self.data)
        backup_from = max(self.first, self.today - timedelta(days=BACKUP_DAYS - 1))
        pending: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        live: dict[str, list[dict[str, Any]]] = defaultdict(list)
        tail: list[tuple[date, dict[tuple[str, str], list[dict[str, Any]]]]] = []
        day = self.first
        while day <= self.today:
            if day < backup_from:
                self._day(day, pending, live)
                after = day + timedelta(days=1)
                if after == backup_from or _month(after) != _month(day):
                    self._flush(store, pending)
            else:
                todays: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
                self._day(day, todays, live)
                tail.append((day, todays))
            day += timedelta(days=1)
        # The live files as the bot leaves them; then the last days' archive records are
        # appended day by day, each day followed by the daily backup.
        self._write_live(store, live)
        backups = []
        for day, records in tail:
            self._flush(store, records)
            t0 = time.perf_counter()
            store.backup(day, BACKUP_DAYS)
            backups.append((time.perf_counter() - t0) * 1000)
        # the first backup over a folder copies whatever the earlier scheme did not keep
        self.counts["backup_ms_first"] = round(backups[0])
        self.counts["backup_ms_max"] = round(max(backups[1:] or backups))
        store.close()
        self.counts["build_s"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
        return dict(self.counts)

    def _day(
        self,
        day: date,
        pending: dict[tuple[str, str], list[dict[str, Any]]],
        live: dict[str, list[dict[str, Any]]],
    ) -> None:
        self._remarks(day, pending)
        self._checkins(day, pending, live)
        self._handover(day, pending, live)
        self._deadlines(day, pending)
        self._notes(day, pending, live)
        self._roster(day, pending, live)

    def _remarks(self, day: date, pending: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        live_from = self.today - timedelta(days=self.remarks_settings.live_days - 1)
        base = datetime.combine(day, datetime.min.time(), tzinfo=self.tz).replace(hour=9)
        todays: list[tuple[str, int, int]] = []
        if day == live_from:
            self.recent_orders = []  # a live order's events all stay in the live file
        for i in range(REMARKS_A_DAY):
            at = base + timedelta(seconds=i * 15 * 3600 // REMARKS_A_DAY)
            if self.recent_orders and i % 5 == 4:
                order_no, versions, seller = self.recent_orders.pop(
                    self.rng.randrange(len(self.recent_orders))
                )
                seller = seller if self.rng.random() < 0.8 else self.rng.randint(1, AGENTS)
            else:
                self.order_counter += 1
                order_no, versions, seller = f"36{self.order_counter:017d}", 0, (i % AGENTS) + 1
            remark = self.parsed[(i + versions) % len(self.parsed)]
            version = RemarkVersion(
                number=versions + 1,
                at=at,
                seller=str(seller),
                seller_name=f"客服{seller}",
                author=str(seller),
                author_name=f"客服{seller}",
                text=REMARK_TEXTS[(i + versions) % len(REMARK_TEXTS)],
                canonical=remark.canonical(seller_label(str(seller))),
                remark=remark,
                platform="taobao",
            )
            event = remark_event(order_no, version)
            pending[("orders", _month(day))].append(event)
            self.counts["remark_events"] += 1
            todays.append((order_no, versions + 1, seller))
            if day >= live_from:
                self.live_orders.setdefault(order_no, []).append(event)
            elif day < live_from - timedelta(days=3) and versions == 0:
                self.old_orders.append(order_no)
        # Orders remarked in the last three days may get another version.
        self.recent_orders = (self.recent_orders + todays)[-3 * REMARKS_A_DAY :]

    def _checkins(
        self,
        day: date,
        pending: dict[tuple[str, str], list[dict[str, Any]]],
        live: dict[str, list[dict[str, Any]]],
    ) -> None:
        live_from = self.today - timedelta(days=self.settings.checkin.live_days)
        for n in range(1, AGENTS + 1):
            if day.isoweekday() == (n % 7) + 1:
                continue
            shift = self.settings.shift(agent_shift(n))
            at = datetime.combine(day, shift.login, tzinfo=self.tz) - timedelta(minutes=5)
            images = []
            for k in range(2):
                name = f"{day.isoformat()}-{shift.key}-{n}-{k}.png"
                path = None
                if (self.today - day).days < IMAGE_DAYS:
                    folder = self.data / "images" / _month(day)
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / name).write_bytes(self.png)
                    path = f"images/{_month(day)}/{name}"
                    self.counts["images"] += 1
                images.append(
                    Image(
                        file_id=f"F{day.toordinal()}{n}{k}",
                        unique_id=f"U{day.toordinal()}{n}{k}",
                        at=at,
                        phash=f"{self.rng.getrandbits(256):064x}",
                        path=path,
                    )
                )
            record = Checkin(
                day=day,
                shift=shift.key,
                work_no=str(n),
                name=f"客服{n}",
                at=at,
                status=Status.ON_TIME,
                accounts=("淘宝C店1",),
                images=images,
            )
            doc = checkin_store._to_doc(record)
            self.counts["checkins"] += 1
            if day >= live_from:
                live["checkin.records"].append(doc)
            else:
                pending[("checkins", _month(day))].append(doc)
        for shift in self.settings.shifts:
            if day >= live_from:
                live["checkin.summaries"].append({"day": day.isoformat(), "shift": shift.key})

    def _handover(
        self,
        day: date,
        pending: dict[tuple[str, str], list[dict[str, Any]]],
        live: dict[str, list[dict[str, Any]]],
    ) -> None:
        created = datetime.combine(day, datetime.min.time(), tzinfo=self.tz).replace(hour=16)
        for i in range(HANDOVER_A_DAY):
            self.item_id += 1
            n = (i % (AGENTS // 2)) + 1
            closing = day < self.today
            item = Item(
                id=self.item_id,
                text=f"客户问发票 订单号：36{self.item_id:017d} 请晚班跟进",
                author_id=100100 + n,
                author=f"{n}号 客服{n}",
                from_occ=f"day:{day.isoformat()}",
                to_occ=f"night:{day.isoformat()}",
                created_at=created + timedelta(minutes=i),
                ack_due=created + timedelta(hours=1),
                acked_by_id=100116 if closing else None,
                acked_by="16号 客服16" if closing else None,
                acked_at=created + timedelta(hours=1) if closing else None,
                done_by_id=100116 if closing else None,
                done_by="16号 客服16" if closing else None,
                done_at=created + timedelta(hours=2) if closing else None,
                done_note="已处理" if closing else "",
                cards=[[-1001000000001, self.item_id]],
                log=[{"at": iso(created), "what": "written"}],
            )
            doc = handover_doc(item)
            self.counts["handover_items"] += 1
            if closing:
                pending[("handover", _month(day))].append(doc)
            else:
                live["handover.items"].append(doc)
        for n in range(1, AGENTS + 1):
            occ = f"{agent_shift(n)}:{day.isoformat()}"
            doc = {"occ": occ, "member_id": 100100 + n, "nothing": n % 3 == 0, "at": iso(created)}
            if (self.today - day).days < 3:
                live["handover.written"].append(doc)
            else:
                pending[("handover_written", _month(day))].append(doc)

    def _deadlines(self, day: date, pending: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        per_day = CLOSED_DEADLINES_A_YEAR // 365
        closed = datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=6)
        for i in range(per_day):
            n = self.counts["closed_deadlines"] + OPEN_DEADLINES + 1
            record = stored_item(n, 100100 + (n % AGENTS) + 1, closed - timedelta(days=1), closed)
            record.update(status="paid", closed_at=iso(closed + timedelta(seconds=i)))
            record["closed_by"] = record["owner"]
            pending[("deadlines", iso(closed)[:7])].append(record)
            self.counts["closed_deadlines"] += 1

    def _notes(
        self,
        day: date,
        pending: dict[tuple[str, str], list[dict[str, Any]]],
        live: dict[str, list[dict[str, Any]]],
    ) -> None:
        base = datetime.combine(day, datetime.min.time(), tzinfo=self.tz).replace(hour=8)
        for i in range(NOTES_A_DAY):
            due = base + timedelta(seconds=i * 50)
            n = (i % AGENTS) + 1
            doc = {
                "key": f"deadlines:{day.isoformat()}:{i}",
                "due": iso(due),
                "recipient": {"user": 100100 + n},
                "text": f"⏰ 催付 订单 36{i:017d}（淘宝）还有 30 分钟到期，请尽快跟进客户付款。",
                "kind": "deadlines",
                "sent_at": iso(due),
                "delivered_to": "private",
            }
            self.counts["notifications"] += 1
            if (self.today - day).days < 3:
                live["schedule.outbox"].append(doc)
            else:
                pending[("outbox", iso(due)[:7])].append(doc)

    def _roster(
        self,
        day: date,
        pending: dict[tuple[str, str], list[dict[str, Any]]],
        live: dict[str, list[dict[str, Any]]],
    ) -> None:
        for k in range(2):
            n = self.rng.randint(1, AGENTS)
            doc = {
                "type": "off",
                "work_no": str(n),
                "day": day.isoformat(),
                "kind": "请假" if k == 0 else "休息",
                "by": "80",
                "at": iso(datetime.combine(day, datetime.min.time(), tzinfo=self.tz)),
            }
            self.counts["roster_changes"] += 1
            if (self.today - day).days < 62:
                live["roster.changes"].append(doc)
            else:
                pending[("roster", day.isoformat()[:7])].append(doc)

    def _flush(self, store: Store, pending: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        for (name, month), records in sorted(pending.items()):
            for start in range(0, len(records), 5000):
                store.archive.extend(name, month, records[start : start + 5000])
        pending.clear()

    def _write_live(self, store: Store, live: dict[str, list[dict[str, Any]]]) -> None:
        """Write the live files as the bot leaves them at the end of the period."""
        orders = store.db("orders").table("orders")
        orders.insert_multiple(
            {"order_no": n, "events": e, "updated": e[-1]["at"]}
            for n, e in self.live_orders.items()
        )
        for key, docs in live.items():
            name, table = key.split(".")
            store.db(name).table(table).insert_multiple(docs)
        store.db("checkin").table("meta").insert({"name": "since", "value": iso(self._since())})
        store.db("handover").table("meta").insert({"name": "last_id", "value": self.item_id})
        burst_at = self.now.astimezone(UTC) + timedelta(minutes=90)
        shards: list[list[dict[str, Any]]] = [[] for _ in range(SHARDS)]
        soonest = None
        for n in range(1, OPEN_DEADLINES + 1):
            # The first 500 fall due together (their first rung is ``burst_at``).
            due = burst_at + timedelta(minutes=30) if n <= BURST else self.now + timedelta(days=2)
            doc = stored_item(n, 100100 + (n % (AGENTS // 2)) + 1, due, self.now)
            doc["next_at"] = iso(due - timedelta(minutes=30))
            soonest = min(soonest or doc["next_at"], doc["next_at"])
            shards[n % SHARDS].append(doc)
        from tinydb.table import Document

        for index, docs in enumerate(shards):
            store.db(f"deadlines-{index:02d}").table("items").insert_multiple(
                Document(d, doc_id=d["id"]) for d in docs
            )
        last = OPEN_DEADLINES + self.counts["closed_deadlines"] + 1000
        store.db("deadlines").table("meta").insert({"name": "last_id", "value": last})
        schedule = store.db("schedule")
        schedule.table("timers").insert(
            {"key": "deadlines:tick", "kind": "deadlines:tick", "due": soonest, "payload": {}}
        )
        planned = iso(self.now + timedelta(hours=36))
        schedule.table("meta").insert({"name": "planned_until", "value": planned})
        self.counts["live_orders"] = len(self.live_orders)
        self.counts["open_deadlines"] = OPEN_DEADLINES

    def _since(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=self.tz)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _png(seed: int) -> bytes:
    """Return a small distinct screenshot-like PNG."""
    image = PILImage.new("RGB", (320, 180), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = (seed * 53 + i * 71) % 300
        y = (seed * 31 + i * 43) % 160
        draw.rectangle((x, y, x + 20 + seed % 15, y + 12), fill=(20 * i, 200 - seed % 200, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# ---- measuring --------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Return the q-quantile of a list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    """Return p50, p95 and max (milliseconds), rounded."""
    return {
        "p50": round(statistics.median(values), 2),
        "p95": round(pct(values, 0.95), 2),
        "max": round(max(values), 2),
        "n": len(values),
    }


async def timed(samples: int, action: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    """Run ``action(i)`` ``samples`` times; return its latency summary in ms."""
    values = []
    for i in range(samples):
        t0 = time.perf_counter()
        await action(i)
        values.append((time.perf_counter() - t0) * 1000)
    return summary(values)


async def bench_commands(data: Path, builder: Builder, samples: int) -> dict[str, Any]:
    """Time every command through the real application over the built folder."""
    harness = Harness(data, start=START, raw=team_raw(), **SETTLE)
    await harness.__aenter__()
    harness.api.started.update(m.user_id for m in harness.svc.members.all())
    live = list(builder.live_orders)
    old = builder.old_orders
    photos = [_png(1000 + i) for i in range(samples)]
    slow = max(10, samples // 5)
    results: dict[str, Any] = {}
    checks: dict[str, str] = {}

    async def send(key: str, who: str, text: str, **extra: Any) -> None:
        calls = await harness.send(who, text, **extra)
        checks.setdefault(key, harness.texts(calls)[0] if harness.texts(calls) else "")

    plan: list[tuple[str, int, Callable[[int], Awaitable[Any]]]] = [
        (
            "remark_live",
            samples,
            lambda i: send(
                "remark_live", "3", f"/remark {live[i * 7 % len(live)]} 发圆通 退{i}元"
            ),
        ),
        (
            "remark_old",
            samples,
            lambda i: send("remark_old", "3", f"/remark {old[i * 13 % len(old)]} 送赠品{i}"),
        ),
        ("order_archived", samples, lambda i: send("order", "3", f"/order {old[-1 - i]}")),
        ("handover", samples, lambda i: send("handover", "3", f"/handover 客户问发票 第{i}件")),
        (
            "checkin",
            samples,
            lambda i: send("checkin", str(i % 15 + 1), "/checkin", photo=photos[i]),
        ),
        ("unpaid", samples, lambda i: send("unpaid", "2", f"/unpaid 77{i:08d} 淘宝 07:00")),
        ("sales", slow, lambda i: send("sales", "80", f"/sales {LAST_MONTH}")),
        ("attendance", slow, lambda i: send("attendance", "80", f"/attendance {LAST_MONTH}")),
        ("overdue", samples, lambda i: send("overdue", "80", "/overdue")),
        ("mine", samples, lambda i: send("mine", "2", "/mine")),
        ("due", samples, lambda i: send("due", "2", "/due")),
        ("duty", samples, lambda i: send("duty", "2", "/duty")),
        ("script", samples, lambda i: send("script", "2", "/script 欢迎")),
        ("inline", samples, lambda i: inline(harness, i)),
    ]
    for name, count, action in plan:
        results[name] = await timed(count, action)
    results["replies"] = {k: v[:60] for k, v in checks.items()}
    assert not harness.errors, harness.errors
    burst = await bench_burst(harness)
    await harness.__aexit__()
    results["burst"] = burst
    return results


async def inline(harness: Harness, i: int) -> None:
    person = harness.person("2")
    await harness.process(harness.updates.inline_query(person, "欢迎"))


async def bench_burst(harness: Harness) -> dict[str, Any]:
    """Deliver 500 reminders due in the same minute; return lateness and the longest block."""
    stamps: list[tuple[float, str]] = []
    original = harness.api.handle

    def handle(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            stamps.append((time.perf_counter(), str(params.get("text", ""))))
        return original(method, params)

    harness.api.handle = handle  # type: ignore[method-assign]
    request = harness.app.bot.request
    do_request = request.do_request

    async def yielding(*args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await asyncio.sleep(0)  # a real HTTP call lets the event loop run while it waits
        return await do_request(*args, **kwargs)

    request.do_request = yielding  # type: ignore[method-assign]
    burst_at = harness.clock.now().astimezone(UTC) + timedelta(minutes=90)
    harness.clock.set(burst_at)
    t0, elapsed, gaps = await with_loop_probe(harness.svc.scheduler.run_due)
    lateness: list[float] = []
    for stamp, text in stamps:
        listed = text.count("还有 30 分钟到期")
        counted = sum(int(m) for m in re.findall(r"另有 (\d+) 条", text))
        lateness.extend([stamp - t0] * (listed + counted))
    request.do_request = do_request  # type: ignore[method-assign]
    harness.api.handle = original  # type: ignore[method-assign]
    return {
        "seconds": round(elapsed, 3),
        "reminders": len(lateness),
        "messages": len(stamps),
        "lateness_p95_s": round(pct(lateness, 0.95), 3) if lateness else None,
        "lateness_max_s": round(max(lateness), 3) if lateness else None,
        "loop_block_max_ms": round(max(gaps), 1) if gaps else None,
    }


def anchors(samples: int) -> dict[str, Any]:
    """Time an SQLite WAL insert of a remark row and a bare PTB echo handler."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "a.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE events (order_no TEXT, at TEXT, doc TEXT)")
        row = json.dumps({"order_no": "3600000000000000001", "text": REMARK_TEXTS[0]})
        values = []
        for i in range(samples):
            t0 = time.perf_counter()
            db.execute("INSERT INTO events VALUES (?, ?, ?)", (str(i), "2026-11-23", row))
            values.append((time.perf_counter() - t0) * 1000)
        db.close()
    return {"sqlite_wal_insert": summary(values), "ptb_echo": asyncio.run(_echo(samples))}


async def _echo(samples: int) -> dict[str, float]:
    from telegram import Update
    from telegram.ext import Application, MessageHandler, filters

    from bot.clock import ManualClock
    from bot.transport.local import LocalBotApi, LocalRequest
    from bot.transport.updates import Person, UpdateFactory

    settings = parse_settings(team_raw())
    clock = ManualClock(
        datetime.strptime(START, "%Y-%m-%d %H:%M").replace(tzinfo=settings.timezone)
    )
    api = LocalBotApi(clock, {settings.team_chat: "团队群"})
    request = LocalRequest(api)
    app = (
        Application.builder().token("123456:LOCAL").request(request).get_updates_request(request)
    ).build()

    async def echo(update: Update, _context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    factory = UpdateFactory(api)
    person = Person(100101, "客服1")
    values = []
    async with app:
        for i in range(samples):
            data = factory.message(person, settings.team_chat, f"hello {i}")
            t0 = time.perf_counter()
            await app.process_update(Update.de_json(data, app.bot))
            values.append((time.perf_counter() - t0) * 1000)
    return summary(values)


def startup_child(data: Path | None) -> dict[str, Any]:
    """Start the application (or a bare PTB one) once in this process; return time and memory."""
    t0 = time.perf_counter()
    if data is None:
        from telegram.ext import Application

        from bot.clock import ManualClock
        from bot.transport.local import LocalBotApi, LocalRequest

        settings = parse_settings(team_raw())
        clock = ManualClock(datetime.now(UTC))
        request = LocalRequest(LocalBotApi(clock, {}))
        app = Application.builder().token("1:L").request(request).build()

        async def start() -> None:
            await app.initialize()
            await app.shutdown()

        asyncio.run(start())
        del settings
    else:

        async def start_bot() -> float:
            harness = Harness(data, start=START, raw=team_raw(), **SETTLE)
            await harness.__aenter__()
            ready = time.perf_counter()
            await harness.__aexit__()
            return ready

        ready = asyncio.run(start_bot())
    elapsed = (time.perf_counter() - t0) * 1000
    if data is not None:  # start-up is until ready; stopping (folding journals in) is apart
        stop_ms = round(elapsed - (ready - t0) * 1000)
        elapsed = (ready - t0) * 1000
    status = Path("/proc/self/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child started by the
    # benchmark (which holds the built year in memory) reported the parent's peak.
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
    figures = {"ms": round(elapsed), "rss_mb": round(rss), "peak_mb": round(peak)}
    if data is not None:
        figures["stop_ms"] = stop_ms
    return figures


def startup(data: Path | None) -> dict[str, Any]:
    """Run ``startup_child`` in a fresh interpreter."""
    args = [sys.executable, __file__, "--startup", str(data) if data else "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def disk(data: Path) -> dict[str, float]:
    """Return MB of the data folder: by unique inodes (as du) and summed over every path."""

    def unique(path: Path) -> float:
        out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
        return int(out.stdout.split()[0]) / 1024

    def apparent(path: Path) -> float:
        total = 0
        for folder, _dirs, files in os.walk(path):
            for name in files:
                total += os.stat(os.path.join(folder, name)).st_blocks * 512
        return total / 2**20

    result = {"total_du_mb": unique(data), "total_every_path_mb": apparent(data)}
    for part in ("archive", "backups", "images"):
        if (data / part).exists():
            result[f"{part}_du_mb"] = unique(data / part)
    result["backups_every_path_mb"] = (
        apparent(data / "backups") if (data / "backups").exists() else 0.0
    )
    live = sum(p.stat().st_size for p in data.iterdir() if p.is_file()) / 2**20
    result["live_mb"] = live
    return {k: round(v, 1) for k, v in result.items()}


def run_scale(years: float, samples: int, root: Path) -> dict[str, Any]:
    """Build one scale, measure it, and remove its folder."""
    data = root / f"y{years}"
    builder = Builder(data, years)
    counts = builder.build()
    print(f"[{years} y] built in {counts['build_s']} s: {counts}", file=sys.stderr)
    result: dict[str, Any] = {"years": years, "counts": counts, "disk_built": disk(data)}
    result["startup_first"] = startup(data)
    result["startup_again"] = startup(data)
    if years >= 3:
        samples = max(20, samples * 2 // 5)
    result["samples"] = samples
    result["commands"] = asyncio.run(bench_commands(data, builder, samples))
    result["startup_after"] = startup(data)
    result["disk_after"] = disk(data)
    print(f"[{years} y] {json.dumps(result, ensure_ascii=False)}", file=sys.stderr)
    subprocess.run(["rm", "-rf", str(data)], check=True)
    return result


# ---- report -----------------------------------------------------------------------------------

ROWS = [
    ("remark_live", "`/remark` on a live order", "write"),
    ("remark_old", "`/remark` on an order older than 14 days", "write"),
    ("order_archived", "`/order` of an archived order", "read"),
    ("handover", "`/handover` one item", "write"),
    ("checkin", "`/checkin` photo", "write"),
    ("unpaid", "`/unpaid` (new dunning item)", "write"),
    ("sales", "`/sales` previous month (lead)", "report"),
    ("attendance", "`/attendance` previous month (lead)", "report"),
    ("overdue", "`/overdue` (lead)", "read"),
    ("mine", "`/mine`", "read"),
    ("due", "`/due`", "read"),
    ("duty", "`/duty`", "read"),
    ("script", "`/script 欢迎`", "read"),
    ("inline", "inline query `欢迎`", "read"),
]


def _label(years: float) -> str:
    return {0.0833: "1/12 y", 0.25: "1/4 y", 1.0: "1 y", 3.0: "3 y"}.get(years, f"{years} y")


def report(before_path: Path, after_path: Path) -> str:
    """Return the markdown section comparing two runs."""
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    b_scales = {s["years"]: s for s in before["scales"]}
    a_scales = {s["years"]: s for s in after["scales"]}
    scales = [y for y in a_scales if y in b_scales]
    head = "| command | kind | " + " | ".join(_label(y) for y in scales) + " |"
    lines = [
        "## One to three years of a 30-agent team (bench/bench_year.py)",
        "",
        f"Machine: {after['machine']}. Before: {before['when']} (commit {before['commit']}); "
        f"after: {after['when']} (commit {after['commit']}), the same session.",
        "",
        "p95 in ms, before → after (ratio), samples as stated below the table.",
        "",
        head,
        "|---|---|" + "---|" * len(scales),
    ]

    def cell(b: float, a: float) -> str:
        ratio = b / a if a else float("inf")
        return f"{b:.1f} → {a:.1f} ({ratio:.0f}×)" if ratio >= 2 else f"{b:.1f} → {a:.1f}"

    for key, name, kind in ROWS:
        row = [f"| {name} | {kind} |"]
        for y in scales:
            b = b_scales[y]["commands"][key]["p95"]
            a = a_scales[y]["commands"][key]["p95"]
            row.append(f" {cell(b, a)} |")
        lines.append("".join(row))
    extra = [
        ("start-up, first after writing (ms)", lambda s: s["startup_first"]["ms"]),
        ("start-up, restart (ms)", lambda s: s["startup_after"]["ms"]),
        ("RSS at ready (MB)", lambda s: s["startup_after"]["rss_mb"]),
        ("peak RSS during start (MB)", lambda s: s["startup_after"]["peak_mb"]),
        ("burst: reminder lateness p95 (s)", lambda s: s["commands"]["burst"]["lateness_p95_s"]),
        ("burst: longest loop block (ms)", lambda s: s["commands"]["burst"]["loop_block_max_ms"]),
        ("first daily backup (ms)", lambda s: s["counts"].get("backup_ms_first", "–")),
        ("longest of the 13 later daily backups (ms)", lambda s: s["counts"]["backup_ms_max"]),
        ("data folder by du (MB)", lambda s: s["disk_after"]["total_du_mb"]),
        ("backups by du (MB)", lambda s: s["disk_after"].get("backups_du_mb", 0)),
        ("backups, every path summed (MB)", lambda s: s["disk_after"]["backups_every_path_mb"]),
        ("live files (MB)", lambda s: s["disk_after"]["live_mb"]),
        ("archive (MB)", lambda s: s["disk_after"].get("archive_du_mb", 0)),
    ]
    for name, get in extra:
        row = [f"| {name} | |"]
        for y in scales:
            row.append(f" {get(b_scales[y])} → {get(a_scales[y])} |")
        lines.append("".join(row))
    anchors_b, anchors_a = before["anchors"], after["anchors"]
    lines += [
        "",
        "Anchors measured in the same runs (p95 ms, before run / after run): SQLite WAL insert "
        f"of a remark row (synchronous=FULL) {anchors_b['sqlite_wal_insert']['p95']} / "
        f"{anchors_a['sqlite_wal_insert']['p95']}; PTB echo handler through the same local "
        f"Bot API {anchors_b['ptb_echo']['p95']} / {anchors_a['ptb_echo']['p95']}; bare PTB "
        f"application start-up {before['bare_startup']['ms']} / "
        f"{after['bare_startup']['ms']} ms.",
        "",
        "Samples per command: "
        + ", ".join(f"{_label(y)} {a_scales[y]['samples']}" for y in scales)
        + " (the two monthly reports a fifth of that, at least 10).",
    ]
    return "\n".join(lines) + "\n"


def write_report(text: str) -> None:
    """Replace (or add) the year section of bench/RESULTS.md."""
    marker = "## One to three years of a 30-agent team"
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    if marker in current:
        head, _, rest = current.partition(marker)
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        current = head + text + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current, encoding="utf-8")


def main() -> int:
    """Run the benchmark, a start-up child, or write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, nargs="+", default=[0.0833, 0.25, 1.0, 3.0])
    parser.add_argument("--samples", type=int, default=250)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--dir", type=Path, help="where to build (default: a temp folder)")
    parser.add_argument("--startup", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.startup:
        data = None if args.startup == "-" else Path(args.startup)
        print(json.dumps(startup_child(data)))
        return 0
    if args.report:
        write_report(report(*args.report))
        return 0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    figures: dict[str, Any] = {
        "machine": machine(),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "anchors": anchors(args.samples),
        "bare_startup": startup(None),
        "scales": [],
    }
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for years in args.years:
            figures["scales"].append(run_scale(years, args.samples, Path(tmp)))
            if args.json:
                args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
