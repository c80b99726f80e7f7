"""Build charts and spreadsheets off the event loop, in one worker process.

Drawing with matplotlib holds the GIL for most of its time, so a thread would still stall
the bot's event loop; a separate process does not (bench/RESULTS.md measures both). The
process is started with ``spawn`` (forking a process that runs threads is unsafe), once, and
kept for later reports; reports queue one after another in it.

Sending a month's rows to the process means pickling them, and one ``pickle.dumps`` of
20,000 rows holds the GIL for a quarter of a second. So the rows are pickled in pieces of
``CHUNK`` in a thread (the loop runs between pieces) and the process gets the pieces.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields, replace
from typing import Any, TypeVar

from bot.reports.chart_specs import Chart
from bot.reports.rows import MonthExport

log = logging.getLogger(__name__)
T = TypeVar("T")
CHUNK = 500
Packed = tuple[MonthExport, dict[str, list[bytes]]]


def render(chart: Chart) -> bytes:
    """Draw a chart (imports matplotlib on first use: only the worker ever does)."""
    from bot.reports.charts import render as draw

    return draw(chart)


def build_xlsx(data: MonthExport) -> bytes:
    """Build the spreadsheet (imported on first use, in the worker)."""
    from bot.reports.export import build_xlsx as build

    return build(data)


def pack(data: MonthExport) -> Packed:
    """Return the export without its rows, and the rows pickled in pieces of CHUNK."""
    rows = {
        f.name: getattr(data, f.name)
        for f in fields(data)
        if isinstance(getattr(data, f.name), tuple)
    }
    pieces = {
        name: [pickle.dumps(values[i : i + CHUNK]) for i in range(0, len(values), CHUNK)]
        for name, values in rows.items()
    }
    return replace(data, **{name: () for name in rows}), pieces


def build_packed(head: MonthExport, pieces: dict[str, list[bytes]]) -> bytes:
    """Unpack the rows and build the spreadsheet (in the worker process)."""
    rows = {
        name: tuple(row for piece in chunks for row in pickle.loads(piece))
        for name, chunks in pieces.items()
    }
    return build_xlsx(replace(head, **rows))


def warm_up() -> str:
    """Load matplotlib and the CJK font in the worker, so the first chart is not slow."""
    from bot.reports.fonts import cjk_font

    return cjk_font()


class ReportWorker:
    """Runs report builders in a worker process (or, with ``processes=False``, a thread)."""

    def __init__(self, processes: bool = True) -> None:
        self.processes = processes
        self._executor: Executor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.processes:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
            else:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports")
        return self._executor

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in the worker; a worker that died is replaced once."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), func, *args)
        except BrokenProcessPool:
            log.warning("report worker died; starting a new one")
            self.close()
            return await loop.run_in_executor(self._pool(), func, *args)

    async def start(self) -> None:
        """Start the worker and load the plotting library now (e.g. in post_init)."""
        await self.run(warm_up)

    def begin(self) -> None:
        """Start the worker loading the plotting library without waiting (e.g. in post_init)."""
        self._pool().submit(warm_up)

    async def chart(self, chart: Chart) -> bytes:
        """Return a chart as PNG bytes."""
        return await self.run(render, chart)

    async def xlsx(self, data: MonthExport) -> bytes:
        """Return the month's spreadsheet as .xlsx bytes."""
        if not self.processes:
            return await self.run(build_xlsx, data)
        head, pieces = await asyncio.to_thread(pack, data)
        return await self.run(build_packed, head, pieces)

    def close(self) -> None:
        """Stop the worker (e.g. in post_shutdown); a later report starts a new one."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
