"""Append-only monthly archives (JSON lines) for closed items and history."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Archive:
    """``archive/<YYYY-MM>/<name>.jsonl``: one record a line, appended and fsynced.

    Appending costs the same whether the month holds ten records or a million, so closed
    items leave the small files the bot rewrites on every command.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str, month: str) -> Path:
        """Return the file of one month (``YYYY-MM``) of one archive."""
        return self.root / month / f"{name}.jsonl"

    def append(self, name: str, month: str, record: dict[str, Any]) -> None:
        """Append one record durably."""
        self.extend(name, month, [record])

    def extend(self, name: str, month: str, records: list[dict[str, Any]]) -> None:
        """Append several records durably in one write."""
        if not records:
            return
        path = self.path(name, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        with open(path, "a", encoding="utf-8") as handle:
            if handle.tell() > 0 and not _ends_with_newline(path):
                handle.write("\n")  # a torn last line from a crash stays a line of its own
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def read(self, name: str, month: str) -> Iterator[dict[str, Any]]:
        """Yield the records of one month; a torn line left by a crash is skipped."""
        path = self.path(name, month)
        if not path.exists():
            return
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    log.warning("skipping unreadable line %d of %s", number, path)

    def months(self, name: str) -> list[str]:
        """Return the months that hold records of ``name``, oldest first."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / f"{name}.jsonl").exists())


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
