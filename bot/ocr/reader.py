"""Read screenshots from the event loop without blocking it: one worker process, a time limit.

The worker (bot/ocr/worker.py) is started on first use, or by ``start()`` at the bot's start,
and loads the engine once. Images are read one at a time in arrival order; the time limit
counts from when an image's turn comes. A worker that overruns it is killed and the next
image starts a fresh one, so a stuck reading never holds up the ones after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.screen_text import TextLine

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
WORKER = (sys.executable, "-m", "bot.ocr.worker")
ANSWER_LIMIT = 16 * 1024 * 1024  # bytes in one answer line; a screen holds a few kilobytes


@dataclass(frozen=True)
class OcrResult:
    """The lines of text read from one image, or why it could not be read (Chinese)."""

    lines: tuple[TextLine, ...] = ()
    problem: str | None = None
    size: tuple[int, int] | None = None  # the image's width and height, when it opened
    seconds: float = 0.0  # the reading itself, without waiting for its turn


class ScreenReader:
    """One OCR worker process shared by every check-in; reads one image at a time."""

    def __init__(
        self,
        time_limit: float,
        max_side: int,
        *,
        command: Sequence[str] = WORKER,
        start_limit: float = 60.0,
        threads: int = 1,
    ) -> None:
        self.time_limit = time_limit
        self.max_side = max_side
        self.command = tuple(command)
        self.start_limit = start_limit
        self.threads = threads  # onnxruntime threads in the worker; 0 = one per core
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._broken: str | None = None  # the engine cannot load: do not try at every image

    @property
    def pid(self) -> int | None:
        """Return the worker's process id while it runs (for measuring its memory)."""
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> str | None:
        """Start the worker and wait until its engine is loaded; return a problem or None."""
        if self._broken is not None:
            return self._broken
        if self._proc is not None and self._proc.returncode is None:
            return None
        env = dict(os.environ, BOT_OCR_THREADS=str(self.threads))
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
                env=env,
                limit=ANSWER_LIMIT,
            )
            ready = await asyncio.wait_for(self._receive(), self.start_limit)
        except TimeoutError:
            await self._stop()
            return f"识别组件启动超时（超过 {self.start_limit:g} 秒）"
        except (OSError, ConnectionError, ValueError) as err:
            await self._stop()
            return f"识别组件无法启动（{err}）"
        if not ready.get("ready"):
            await self._stop()
            self._broken = str(ready.get("problem") or "识别组件无法加载")
            log.error("OCR disabled until restart: %s", self._broken)
            return self._broken
        return None

    async def read(self, data: bytes) -> OcrResult:
        """Return the lines of text in an image, or why it could not be read."""
        async with self._lock:
            problem = await self.start()
            if problem is not None:
                return OcrResult(problem=problem)
            began = time.monotonic()
            try:
                answer = await asyncio.wait_for(self._ask(data), self.time_limit)
            except TimeoutError:
                await self._stop()
                return OcrResult(
                    problem=f"识别超时（超过 {self.time_limit:g} 秒）",
                    seconds=time.monotonic() - began,
                )
            except (OSError, ConnectionError, ValueError) as err:
                log.warning("OCR worker failed: %s", err)
                await self._stop()
                return OcrResult(problem="识别进程意外退出", seconds=time.monotonic() - began)
            except asyncio.CancelledError:
                await self._stop()  # its answer would reach the next image
                raise
            return _result(answer, time.monotonic() - began)

    async def close(self) -> None:
        """Let the worker finish and end; kill it if it does not within a few seconds."""
        proc = self._proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 5)
        await self._stop()

    async def _ask(self, data: bytes) -> dict[str, Any]:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise ConnectionError("no worker")
        header = {"size": len(data), "max_side": self.max_side}
        proc.stdin.write(json.dumps(header).encode() + b"\n" + data)
        await proc.stdin.drain()
        return await self._receive()

    async def _receive(self) -> dict[str, Any]:
        proc = self._proc
        if proc is None or proc.stdout is None:
            raise ConnectionError("no worker")
        line = await proc.stdout.readline()
        if not line:
            raise ConnectionError(f"worker ended (status {await proc.wait()})")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError(f"unexpected answer {line[:80]!r}")
        return message

    async def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def _result(answer: dict[str, Any], seconds: float) -> OcrResult:
    """Turn the worker's answer into lines, or its problem."""
    size = tuple(answer["size"]) if "size" in answer else None
    if answer.get("problem"):
        return OcrResult(problem=str(answer["problem"]), seconds=seconds)
    lines = tuple(
        TextLine(str(text), (box[0], box[1], box[2], box[3]), float(score))
        for text, box, score in answer.get("lines", ())
    )
    return OcrResult(lines, None, (int(size[0]), int(size[1])) if size else None, seconds)
