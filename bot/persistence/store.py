"""The data folder: small live TinyDB files, monthly archives, backups."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date, timedelta
from pathlib import Path

from tinydb import TinyDB

from bot.persistence.archive import Archive
from bot.persistence.storage import StorageCorrupt, open_db

log = logging.getLogger(__name__)

_NOT_DATA = {"backups", "logs", "images", "tmp"}


class Store:
    """One data folder; hands out one TinyDB per live file and the archive."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.root / "archive")
        self._dbs: dict[str, TinyDB] = {}

    def db(self, name: str) -> TinyDB:
        """Return the TinyDB of ``<root>/<name>.json`` (opened once)."""
        if name not in self._dbs:
            self._dbs[name] = open_db(self.root / f"{name}.json")
        return self._dbs[name]

    def check_all(self) -> None:
        """Parse every live file now, so a damaged one stops the bot at start."""
        for path in sorted(self.root.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise StorageCorrupt(path, str(err)) from None
            if not isinstance(data, dict):
                raise StorageCorrupt(path, "顶层结构不是 TinyDB 的表")

    def backup(self, today: date, keep_days: int) -> Path | None:
        """Copy the data folder to ``backups/<date>`` once a day; drop copies past the keep."""
        backups = self.root / "backups"
        target = backups / today.isoformat()
        made = None
        if not target.exists():
            tmp = backups / f".{today.isoformat()}.partial"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for item in self.root.iterdir():
                if item.name in _NOT_DATA or item.name.startswith("."):
                    continue
                if item.is_dir():
                    shutil.copytree(item, tmp / item.name)
                else:
                    shutil.copy2(item, tmp / item.name)
            tmp.rename(target)
            made = target
            log.info("backup written to %s", target)
        cutoff = today - timedelta(days=keep_days)
        for old in backups.iterdir():
            try:
                day = date.fromisoformat(old.name)
            except ValueError:
                continue
            if day < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return made

    def close(self) -> None:
        """Close every open database."""
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
