"""The OCR worker process: images in on stdin, their lines of text out on stdout.

Started by bot/ocr/reader.py as ``python -m bot.ocr.worker``; it reads one image at a time
and ends when stdin closes. One JSON line each way per image:

- first, once the engine is loaded: ``{"ready": true}``, or ``{"ready": false, "problem": …}``;
- the bot sends ``{"size": N, "max_side": M}`` and then N bytes of image;
- the worker answers ``{"lines": [[text, [left, top, right, bottom], score], …],
  "size": [width, height]}`` or ``{"problem": "<why, in Chinese>"}``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, BinaryIO

from bot.ocr.engine import ImageProblem, engine, read_lines

log = logging.getLogger("bot.ocr.worker")
NICENESS = 5  # on a two-core machine the bot's own work goes first when both want the CPU


def _send(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
    out.flush()


def _answer(data: bytes, max_side: int) -> dict[str, Any]:
    try:
        lines, size = read_lines(data, max_side)
    except ImageProblem as err:
        return {"problem": str(err)}
    except Exception as err:  # one image breaking the engine must not end the worker
        log.exception("OCR failed")
        return {"problem": f"识别出错：{type(err).__name__}"}
    found = [[line.text, list(line.box), line.score] for line in lines]
    return {"lines": found, "size": list(size)}


def serve(source: BinaryIO, out: BinaryIO) -> int:
    """Load the engine, then answer requests until ``source`` ends; return the exit status."""
    try:
        engine()
    except Exception as err:  # a missing package or a broken model: say so once, then stop
        _send(out, {"ready": False, "problem": f"识别组件无法加载（{type(err).__name__}: {err}）"})
        return 1
    _send(out, {"ready": True})
    while header := source.readline():
        request = json.loads(header)
        data = source.read(int(request["size"]))
        _send(out, _answer(data, int(request["max_side"])))
    return 0


def main() -> int:
    """Run the worker on this process's stdin and stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    out = os.fdopen(os.dup(1), "wb")
    # whatever a library prints goes to stderr, never into the answers
    os.dup2(2, 1)
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    return serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    sys.exit(main())
