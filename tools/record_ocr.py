"""Read the OCR sample screenshots with the real OCR worker; store the lines in samples/.

Run ``.venv/bin/python tools/record_ocr.py`` after adding or redrawing a sample; console mode
and the transcripts answer from the file it writes (bot/ocr/recorded.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, the tools folder is on the path, not the root

from bot.ocr import ScreenReader  # noqa: E402
from bot.ocr.recorded import RECORDINGS, image_key, to_json  # noqa: E402

PATTERNS = ("samples/ocr-*.png", "samples/ocr-*.jpg")  # drawn for reading (make_ocr_samples)
TIME_LIMIT = 120.0  # a phone photo on a busy machine
MAX_SIDE = 1920  # the default of [checkin.ocr] max_image_side


async def record() -> dict[str, object]:
    """Return the recordings of every sample image."""
    reader = ScreenReader(TIME_LIMIT, MAX_SIDE)
    images: dict[str, object] = {}
    try:
        for path in sorted(p for pattern in PATTERNS for p in ROOT.glob(pattern)):
            data = path.read_bytes()
            result = await reader.read(data)
            images[image_key(data)] = {"file": path.name, **to_json(result)}
    finally:
        await reader.close()
    return {"max_image_side": MAX_SIDE, "images": images}


def main() -> None:
    """Write samples/ocr-lines.json."""
    recordings = asyncio.run(record())
    text = json.dumps(recordings, ensure_ascii=False, indent=1)
    RECORDINGS.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
