"""A screen reader that answers from OCR lines recorded earlier: console mode and transcripts.

The lines in ``samples/ocr-lines.json`` are what the real engine (bot/ocr/worker.py) read
from each committed sample, keyed by the image's SHA-256; ``tools/record_ocr.py`` writes them
and a test marked ``ocr`` checks that the engine still reads the same. So console mode shows
real readings, at once and the same every time, without starting the OCR worker; any other
image is not read at all (the check-in goes on as with reading switched off).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bot.domain.screen_text import TextLine
from bot.ocr.reader import OcrResult

RECORDINGS = Path(__file__).resolve().parents[2] / "samples" / "ocr-lines.json"


def image_key(data: bytes) -> str:
    """Return the key an image's recording is stored under."""
    return hashlib.sha256(data).hexdigest()


def to_json(result: OcrResult) -> dict[str, Any]:
    """Return a reading as stored in the recordings file."""
    lines = [[line.text, list(line.box), round(line.score, 4)] for line in result.lines]
    return {"lines": lines, "size": list(result.size or ()), "problem": result.problem}


def from_json(doc: dict[str, Any]) -> OcrResult:
    """Return the reading stored by ``to_json``."""
    lines = tuple(
        TextLine(str(text), (box[0], box[1], box[2], box[3]), float(score))
        for text, box, score in doc.get("lines", ())
    )
    size = doc.get("size") or None
    return OcrResult(lines, doc.get("problem"), (size[0], size[1]) if size else None)


class RecordedReader:
    """Answers each recorded image with its reading; other images get no reading."""

    def __init__(self, path: Path = RECORDINGS) -> None:
        docs = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self.readings = {key: from_json(doc) for key, doc in docs.get("images", {}).items()}

    async def start(self) -> str | None:
        """Return None: nothing to start."""
        return None

    async def read(self, data: bytes) -> OcrResult | None:
        """Return the recorded reading of an image, or None when it has none."""
        return self.readings.get(image_key(data))

    async def close(self) -> None:
        """Do nothing: nothing was started."""
