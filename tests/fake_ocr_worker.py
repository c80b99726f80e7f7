"""A stand-in for bot/ocr/worker.py speaking the same protocol, for the reader's tests.

Run as ``python tests/fake_ocr_worker.py LOG`` (each start appends a line to LOG). What it
does with an image depends on the image's bytes:
``hang`` never answers, ``crash`` exits, ``gate:<fifo>`` answers once the fifo is written,
anything else is answered with one line of text. ``FAKE_OCR_BROKEN=1`` fails to load.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def send(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
    with Path(sys.argv[1]).open("a") as log:
        log.write("start\n")
    if os.environ.get("FAKE_OCR_BROKEN"):
        send({"ready": False, "problem": "识别组件无法加载（ModuleNotFoundError）"})
        return 1
    send({"ready": True})
    while header := sys.stdin.buffer.readline():
        request = json.loads(header)
        data = sys.stdin.buffer.read(request["size"])
        if data == b"hang":
            sys.stdin.buffer.read()  # until the reader gives up and kills us
            return 0
        if data == b"crash":
            return 3
        if data.startswith(b"gate:"):
            Path(data[5:].decode()).read_text()  # blocks until the test writes the fifo
        text = f"{data[:20].decode(errors='replace')} {request['max_side']}"
        send({"lines": [[text, [1, 2, 3, 4], 0.9]], "size": [1280, 720]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
