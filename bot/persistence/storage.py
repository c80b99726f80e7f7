"""TinyDB storage that writes atomically and keeps the parsed file in memory."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

log = logging.getLogger(__name__)


class StorageCorrupt(Exception):
    """A data file cannot be parsed; the bot must stop and never overwrite it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"数据文件 {path} 无法解析（{reason}）。机器人已停止且不会覆盖它："
            f"请从 backups/ 恢复或修复该文件后再启动。"
        )
        self.path = path


# Test-only: when set, called with the stage a write has reached ("half-written": the temp
# file holds half the text; "synced": the temp file is whole on disk, not yet in place;
# "replaced": in place, the folder not yet synced), so a test can kill the process exactly
# there. None in production, which costs one comparison per stage.
pause_hook: Callable[[str], None] | None = None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if pause_hook is None:
                handle.write(text)
            else:
                handle.write(text[: len(text) // 2])
                handle.flush()
                pause_hook("half-written")
                handle.write(text[len(text) // 2 :])
            handle.flush()
            os.fsync(handle.fileno())
        if pause_hook is not None:
            pause_hook("synced")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if pause_hook is not None:
        pause_hook("replaced")
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class AtomicJSONStorage(Storage):
    """A JSON file read once, then served from memory; every write replaces it atomically.

    TinyDB hands the dict returned by ``read`` to its tables, which change it and write it
    back, so memory and disk agree after every successful write. A failed write drops the
    in-memory copy so the next read comes from disk again.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the whole database (parsed once, then from memory)."""
        if self._data is None:
            self._data = self._load()
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write the whole database atomically."""
        try:
            write_atomically(self.path, json.dumps(data, ensure_ascii=False, sort_keys=True))
        except BaseException:
            self._data = None
            raise
        self._data = data

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise StorageCorrupt(self.path, str(err)) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StorageCorrupt(self.path, "顶层结构不是 TinyDB 的表")
        return data


def open_db(path: Path) -> TinyDB:
    """Open a TinyDB over an atomic, memory-cached JSON file."""
    return TinyDB(path, storage=AtomicJSONStorage)
