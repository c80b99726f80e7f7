"""The data folder: small live TinyDB files, monthly archives, backups."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from tinydb import TinyDB

from bot.persistence.archive import Archive
from bot.persistence.storage import AtomicJSONStorage, open_db

log = logging.getLogger(__name__)

_NOT_DATA = {"backups", "logs", "images", "tmp"}


class Store:
    """One data folder; hands out one TinyDB per live file and the archive."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.root / "archive")
        self._dbs: dict[str, TinyDB] = {}
        self._remove_stale_temp_files()

    def _remove_stale_temp_files(self) -> None:
        # A process killed during an atomic write leaves its temp file; the live file is
        # whole, so the leftover is garbage that would otherwise pile up crash after crash.
        for stale in self.root.glob(".*.json.*.tmp"):
            log.warning("removing %s left by an interrupted write", stale)
            stale.unlink(missing_ok=True)

    def db(self, name: str) -> TinyDB:
        """Return the TinyDB of ``<root>/<name>.json`` (opened once)."""
        if name not in self._dbs:
            self._dbs[name] = open_db(self.root / f"{name}.json")
        return self._dbs[name]

    def check_all(self) -> None:
        """Parse every live file now, so a damaged one stops the bot at start."""
        for path in sorted(self.root.glob("*.json")):
            AtomicJSONStorage(path).read()  # the same checks TinyDB's reads will meet later

    def backup(self, today: date, keep_days: int) -> Path | None:
        """Copy the data folder to ``backups/<date>`` once a day; drop copies past the keep."""
        backups = self.root / "backups"
        target = backups / today.isoformat()
        made = None
        if not target.exists():
            tmp = backups / f".{today.isoformat()}.partial"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            previous = _latest_backup(backups, before=today)
            for item in self.root.iterdir():
                if item.name in _NOT_DATA or item.name.startswith("."):
                    continue
                if item.is_dir():
                    shutil.copytree(item, tmp / item.name, copy_function=_copier(previous, tmp))
                else:
                    shutil.copy2(item, tmp / item.name)
            tmp.rename(target)
            made = target
            log.info("backup written to %s", target)
        cutoff = today - timedelta(days=keep_days)  # keep today and the keep_days - 1 before
        for old in backups.iterdir():
            try:
                day = date.fromisoformat(old.name)
            except ValueError:
                continue
            if day <= cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return made

    def close(self) -> None:
        """Close every open database."""
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()


def _latest_backup(backups: Path, before: date) -> Path | None:
    """Return the newest complete backup older than ``before``."""
    days = []
    for folder in backups.iterdir() if backups.exists() else ():
        try:
            days.append((date.fromisoformat(folder.name), folder))
        except ValueError:
            continue
    earlier = [d for d in days if d[0] < before]
    return max(earlier)[1] if earlier else None


def _copier(previous: Path | None, tmp: Path) -> Callable[[str, str], object]:
    """Return a copy function that hard-links files unchanged since the previous backup.

    Monthly archives only grow, and old months never change: linking them to yesterday's
    copy (never to the live file) keeps 14 daily backups from holding 14 copies of history.
    """

    def copy(src: str, dst: str) -> object:
        if previous is not None:
            earlier = previous / Path(dst).relative_to(tmp)
            source = os.stat(src)
            try:
                kept = os.stat(earlier)
            except FileNotFoundError:
                kept = None
            if kept and (kept.st_size, kept.st_mtime_ns) == (source.st_size, source.st_mtime_ns):
                try:
                    os.link(earlier, dst)
                    return dst
                except OSError:  # a filesystem without hard links: copy as before
                    pass
        return shutil.copy2(src, dst)

    return copy
