"""The data folder: small live TinyDB files, monthly archives, backups."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from bot.persistence.archive import Archive
from bot.persistence.storage import (
    JOURNAL_SUFFIX,
    Database,
    IndexedTable,
    StorageCorrupt,
    open_db,
)

log = logging.getLogger(__name__)

_NOT_DATA = {"backups", "logs", "images", "tmp", "archive"}
BACKUPS = "backups"
MIRROR = "archive"  # backups/archive: one copy of the append-only archives, kept up to date
COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupResult:
    """What a daily backup did: the folder written (None when today's exists), or why not."""

    day: date
    path: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the data folder is backed up for the day."""
        return self.error is None


@dataclass
class LiveCopy:
    """The live files of a backup, opened at one moment, with the size each had then."""

    day: date
    files: list[tuple[str, int, int]] = field(default_factory=list)  # name, fd, size
    folders: list[Path] = field(default_factory=list)
    error: OSError | None = None

    def write(self, folder: Path) -> None:
        """Write each file gzip-compressed as it was when opened, and copy the folders."""
        for name, fd, size in self.files:
            with gzip.open(folder / f"{name}.gz", "wb") as dst:
                offset = 0
                while offset < size:
                    chunk = os.pread(fd, min(COPY_CHUNK, size - offset), offset)
                    if not chunk:
                        raise OSError(f"{name} 在备份时变短了")
                    dst.write(chunk)
                    offset += len(chunk)
        for item in self.folders:
            shutil.copytree(item, folder / item.name)

    def close(self) -> None:
        """Close the files."""
        for _name, fd, _size in self.files:
            os.close(fd)
        self.files = []


def _capture_order(item: Path) -> tuple[int, str]:
    """Sealed journals first, then journals, then snapshots and the rest (see start_backup)."""
    name = item.name
    if JOURNAL_SUFFIX + "." in name:
        return 0, name
    return (1 if name.endswith(JOURNAL_SUFFIX) else 2), name


@dataclass(frozen=True)
class DiskUsage:
    """Bytes on disk of the data folder's parts (hard-linked files counted once)."""

    live: int
    archives: int
    backups: int
    images: int
    other: int

    @property
    def total(self) -> int:
        """Return the bytes of the whole folder."""
        return self.live + self.archives + self.backups + self.images + self.other


Shape = dict[str, dict[str, type | tuple[type, ...]]]
# What each repository needs in its live files: file name → table → field → type(s).
SHAPES: dict[str, Shape] = {}


def expect_shape(name: str, shape: Shape) -> None:
    """Declare the fields a repository needs in the tables of ``<name>.json``.

    ``Store.check_all`` then refuses a file whose documents lack one or hold the wrong type,
    naming the file, table, document and field, instead of the bot failing later in the
    middle of a command. Repositories call this when their module is imported.
    """
    SHAPES.setdefault(name, {}).update(shape)


class Store:
    """One data folder; hands out one TinyDB per live file and the archive."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.archive = Archive(self.root / "archive")
        self._dbs: dict[str, Database] = {}
        self._backing_up = threading.Lock()  # one backup at a time
        self._remove_stale_temp_files()

    def _remove_stale_temp_files(self) -> None:
        # A process killed during an atomic write leaves its temp file (``.<name>.*.tmp``,
        # next to the file it was replacing, in any sub-folder); an image write leaves
        # ``*.partial``. The real files are whole, so the leftovers are garbage that would
        # otherwise pile up crash after crash.
        for folder, dirs, files in os.walk(self.root):
            if Path(folder) == self.root / BACKUPS:
                dirs[:] = [d for d in dirs if not (d.startswith(".") and d.endswith(".partial"))]
            for name in files:
                if (name.startswith(".") and name.endswith(".tmp")) or name.endswith(".partial"):
                    stale = Path(folder) / name
                    log.warning("removing %s left by an interrupted write", stale)
                    stale.unlink(missing_ok=True)

    def db(self, name: str) -> Database:
        """Return the TinyDB of ``<root>/<name>.json`` (opened once)."""
        if name not in self._dbs:
            self._dbs[name] = open_db(self.root / f"{name}.json")
        return self._dbs[name]

    def table(self, db: str, name: str, *indexed: str) -> IndexedTable:
        """Return a table of ``<root>/<db>.json`` with an index on each field in ``indexed``."""
        table = cast(IndexedTable, self.db(db).table(name))
        for key in indexed:
            table.index(key)
        return table

    def check_all(self) -> None:
        """Read every live file now (snapshot and journal), so a damaged one stops the start."""
        suffix = ".json" + JOURNAL_SUFFIX
        names = {p.name[: -len(".json")] for p in self.root.glob("*.json")}
        names |= {p.name[: -len(suffix)] for p in self.root.glob(f"*{suffix}")}
        for name in sorted(names):
            data = self.db(name).storage.read() or {}  # parsed once: the repositories reuse it
            check_shape(self.root / f"{name}.json", data, SHAPES.get(name, {}))

    def backup(self, today: date, keep_days: int) -> BackupResult:
        """Back up the data folder once a day, on this thread; a failure is reported."""
        return self.finish_backup(self.start_backup(today), keep_days)

    def start_backup(self, today: date) -> LiveCopy:
        """Open the live files as they are now: a consistent point, cheap enough for the loop.

        Journals are only appended to and snapshots only replaced by a rename, so a file
        opened now reads as it is now, whatever happens to it later. Sealed journals are
        opened first, then journals, then the rest: a fold that ends meanwhile removes sealed
        journals only after its snapshot is in place, and that snapshot, opened later, holds
        them. ``finish_backup`` copies them (on any thread); nothing when today's copy exists.
        """
        copy = LiveCopy(today)
        if (self.root / BACKUPS / today.isoformat()).exists():
            return copy
        try:
            for item in sorted(self.root.iterdir(), key=_capture_order):
                if item.name in _NOT_DATA or item.name.startswith("."):
                    continue
                if item.is_dir():
                    copy.folders.append(item)
                    continue
                try:
                    fd = os.open(item, os.O_RDONLY)
                except FileNotFoundError:  # a sealed journal a fold removed: in the snapshot
                    continue
                copy.files.append((item.name, fd, os.fstat(fd).st_size))
        except OSError as err:
            copy.close()
            copy.error = err
        return copy

    def finish_backup(self, copy: LiveCopy, keep_days: int) -> BackupResult:
        """Write what ``start_backup`` opened, bring the archive copy up to date, drop old ones.

        ``backups/<date>/`` gets the live files gzip-compressed (snapshots and journals as
        they were; restoring is gunzip into the data folder) and any other data sub-folder;
        ``backups/archive/`` is one copy of the append-only archives, each file extended by
        what was appended since the last backup. Copies past ``keep_days`` are dropped.
        Safe on a worker thread: it reads files, never the databases' memory.
        """
        today = copy.day
        backups = self.root / BACKUPS
        target = backups / today.isoformat()
        tmp = backups / f".{today.isoformat()}.partial"
        made = None
        try:
            with self._backing_up:
                if copy.error is not None:
                    raise copy.error
                if not target.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
                    tmp.mkdir(parents=True)
                    copy.write(tmp)
                    mirror_archive(self.archive.root, backups / MIRROR)
                    tmp.rename(target)
                    made = target
                    log.info("backup written to %s", target)
                self._prune_backups(backups, today - timedelta(days=keep_days))
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            log.exception("backup of %s failed", today)
            return BackupResult(today, error=f"{today.isoformat()} 的数据备份失败：{err}")
        finally:
            copy.close()
        return BackupResult(today, path=made)

    @staticmethod
    def _prune_backups(backups: Path, cutoff: date) -> None:
        # keep the cutoff's day + 1 … today: ``keep_days`` copies
        for old in backups.iterdir():
            try:
                day = date.fromisoformat(old.name)
            except ValueError:
                continue
            if day <= cutoff:
                shutil.rmtree(old, ignore_errors=True)

    def disk_usage(self) -> DiskUsage:
        """Return the bytes the data folder takes, by part (for an admin's status view)."""
        seen: set[tuple[int, int]] = set()
        parts = {"live": 0, "archives": 0, "backups": 0, "images": 0, "other": 0}
        for folder, _dirs, files in os.walk(self.root):
            relative = Path(folder).relative_to(self.root).parts
            part = {"archive": "archives", BACKUPS: "backups", "images": "images"}.get(
                relative[0] if relative else "", "other" if relative else "live"
            )
            for name in files:
                try:
                    info = os.lstat(os.path.join(folder, name))
                except FileNotFoundError:
                    continue
                if (info.st_dev, info.st_ino) in seen:
                    continue
                seen.add((info.st_dev, info.st_ino))
                parts[part] += info.st_blocks * 512
        return DiskUsage(**parts)

    def close(self) -> None:
        """Close every open database (folding in their journals)."""
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()


def check_shape(path: Path, data: dict[str, Any], shape: Shape) -> None:
    """Raise StorageCorrupt naming the first document that lacks a field or has a wrong type."""
    for table, fields in shape.items():
        for doc_id, doc in data.get(table, {}).items():
            for key, kind in fields.items():
                if key not in doc:
                    raise StorageCorrupt(path, f"表 {table} 第 {doc_id} 条缺少字段 {key}")
                if not isinstance(doc[key], kind):
                    raise StorageCorrupt(
                        path, f"表 {table} 第 {doc_id} 条的字段 {key} 类型不对：{doc[key]!r}"
                    )


def mirror_archive(source: Path, mirror: Path) -> int:
    """Bring ``mirror`` up to date with the append-only ``source``; return bytes copied.

    A mirrored file that is a prefix of its source gets only the new tail; one that is not
    (the source was repaired or replaced) is copied whole, atomically.
    """
    copied = 0
    if not source.exists():
        return 0
    for src in sorted(source.rglob("*.jsonl")):
        dst = mirror / src.relative_to(source)
        size = src.stat().st_size
        have = dst.stat().st_size if dst.exists() else -1
        if have == size and _same_tail(src, dst, size):
            continue
        if 0 <= have < size and _same_tail(src, dst, have):
            with open(src, "rb") as reader, open(dst, "ab") as writer:
                reader.seek(have)
                shutil.copyfileobj(reader, writer)
                writer.flush()
                os.fsync(writer.fileno())
            copied += size - have
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        _copy_atomically(src, dst)
        copied += size
    return copied


def _same_tail(src: Path, dst: Path, length: int, probe: int = 4096) -> bool:
    """Whether the last ``probe`` bytes of ``dst`` equal ``src`` at the same place."""
    start = max(0, length - probe)
    with open(src, "rb") as a, open(dst, "rb") as b:
        a.seek(start)
        b.seek(start)
        return a.read(length - start) == b.read(length - start)


def _copy_atomically(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.copy.tmp")
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
