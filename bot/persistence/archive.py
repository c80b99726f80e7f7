"""Append-only monthly archives (JSON lines) for closed items and history."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Key = Callable[[dict[str, Any]], str]
_ENTRY = struct.Struct("<QQ")  # key hash, byte offset of the record's line


class Archive:
    """``archive/<YYYY-MM>/<name>.jsonl``: one record a line, appended and fsynced.

    Appending costs the same whether the month holds ten records or a million, so closed
    items leave the small files the bot rewrites on every command. An archive indexed by
    a key (``index_by``) finds a key's records by seeking to their lines, without reading
    the months.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._indexes: dict[str, KeyIndex] = {}

    def path(self, name: str, month: str) -> Path:
        """Return the file of one month (``YYYY-MM``) of one archive."""
        return self.root / month / f"{name}.jsonl"

    def index_by(self, name: str, key: Key) -> KeyIndex:
        """Keep an index of archive ``name`` by ``key(record)`` from now on; return it."""
        if name not in self._indexes:
            self._indexes[name] = KeyIndex(self, name, key)
        return self._indexes[name]

    def append(self, name: str, month: str, record: dict[str, Any]) -> None:
        """Append one record durably."""
        self.extend(name, month, [record])

    def extend(self, name: str, month: str, records: list[dict[str, Any]]) -> None:
        """Append several records durably in one write."""
        if not records:
            return
        path = self.path(name, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [
            (json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            for r in records
        ]
        index = self._indexes.get(name)
        with open(path, "ab") as handle:
            start = handle.seek(0, os.SEEK_END)
            if start > 0 and not _ends_with_newline(path):
                handle.write(b"\n")  # a torn last line from a crash stays a line of its own
                start += 1
            if index is not None:
                index.prepare(month, start)
            handle.write(b"".join(lines))
            handle.flush()
            os.fsync(handle.fileno())
        if index is not None:
            offsets = []
            for line in lines:
                offsets.append(start)
                start += len(line)
            index.note(month, records, offsets)

    def extend_by_month(self, name: str, records: Iterable[dict[str, Any]], month_of: Key) -> None:
        """Append records durably to the month ``month_of`` names for each, one write a month."""
        by_month: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_month.setdefault(month_of(record), []).append(dict(record))
        for month, group in sorted(by_month.items()):
            self.extend(name, month, group)

    def read(self, name: str, month: str) -> Iterator[dict[str, Any]]:
        """Yield the records of one month; a torn or garbled line is skipped with a warning."""
        path = self.path(name, month)
        if not path.exists():
            return
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                record = _parse(line)
                if record is None:
                    log.warning("skipping unreadable line %d of %s", number, path)
                    continue
                yield record

    def read_at(self, name: str, month: str, offsets: list[int]) -> list[dict[str, Any]]:
        """Return the records whose lines start at ``offsets`` in one month's file."""
        found = []
        with open(self.path(name, month), "rb") as handle:
            for offset in offsets:
                handle.seek(offset)
                record = _parse(handle.readline())
                if record is not None:
                    found.append(record)
        return found

    def tail(self, name: str, month: str, max_bytes: int) -> list[dict[str, Any]]:
        """Return the whole records within the last ``max_bytes`` of one month's file."""
        path = self.path(name, month)
        if not path.exists():
            return []
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - max_bytes))
            if handle.tell() > 0:
                handle.readline()  # most likely a part of a line
            lines = handle.read().splitlines()
        return [r for r in (_parse(line) for line in lines if line.strip()) if r is not None]

    def months(self, name: str) -> list[str]:
        """Return the months that hold records of ``name``, oldest first."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / f"{name}.jsonl").exists())


class KeyIndex:
    """Where each key's records are: which months, at which byte offsets.

    Beside each month file, ``<name>.keys`` holds 16 bytes a record (a hash of its key and
    the offset of its line), appended with the record. It is derived data: at first use it
    is checked against the month file and completed from the lines it lacks (records
    written before the index existed, or by a process killed between the two appends). In
    memory a dict maps each key hash to the months holding it, built at the first lookup.
    """

    def __init__(self, archive: Archive, name: str, key: Key) -> None:
        self.archive = archive
        self.name = name
        self.key = key
        self._months: dict[int, int] | None = None  # key hash → bit mask of months
        self._bits: dict[str, int] = {}
        self._order: list[str] = []
        self._covered: dict[str, int] = {}

    def find(self, key: str) -> list[dict[str, Any]]:
        """Return every archived record of ``key``, month by month, in file order."""
        wanted = _hash(key)
        mask = self._load().get(wanted, 0)
        found = []
        for month in self._order:
            if mask & (1 << self._bits[month]):
                offsets = self._offsets(month, wanted)
                records = self.archive.read_at(self.name, month, offsets)
                found.extend(r for r in records if self._key_of(r) == key)
        return found

    def months_of(self, key: str) -> list[str]:
        """Return the months holding records of ``key`` (a hash match; may rarely be extra)."""
        mask = self._load().get(_hash(key), 0)
        return [m for m in self._order if mask & (1 << self._bits[m])]

    def prepare(self, month: str, length: int) -> None:
        """Make sure the month's key file covers its records up to ``length`` bytes."""
        if self._covered.get(month) != length:
            self._catch_up(month)

    def note(self, month: str, records: list[dict[str, Any]], offsets: list[int]) -> None:
        """Record the keys of records just appended at ``offsets``."""
        entries = []
        for record, offset in zip(records, offsets, strict=True):
            key = self._key_of(record)
            if key is not None:
                entries.append((_hash(key), offset))
        self._write(month, entries)
        path = self.archive.path(self.name, month)
        self._covered[month] = path.stat().st_size

    def _load(self) -> dict[int, int]:
        if self._months is None:
            self._months = {}
            for month in self.archive.months(self.name):
                data = self._catch_up(month)
                bit = 1 << self._bit(month)
                where = self._months
                for key_hash, _offset in _ENTRY.iter_unpack(data):
                    where[key_hash] = where.get(key_hash, 0) | bit
        return self._months

    def _bit(self, month: str) -> int:
        if month not in self._bits:
            self._bits[month] = len(self._bits)
            self._order = sorted(self._bits)
        return self._bits[month]

    def _side(self, month: str) -> Path:
        return self.archive.root / month / f"{self.name}.keys"

    def _offsets(self, month: str, key_hash: int) -> list[int]:
        data = self._side(month).read_bytes()
        needle = key_hash.to_bytes(8, "little")
        offsets = []
        at = data.find(needle)
        while at != -1:
            if at % _ENTRY.size == 0:
                offsets.append(_ENTRY.unpack_from(data, at)[1])
            at = data.find(needle, at + 1)
        return offsets

    def _catch_up(self, month: str) -> bytes:
        """Complete the month's key file from its records; return its entries."""
        path = self.archive.path(self.name, month)
        side = self._side(month)
        size = path.stat().st_size if path.exists() else 0
        data = side.read_bytes() if side.exists() else b""
        whole = len(data) - len(data) % _ENTRY.size
        start = 0
        if whole:
            last = _ENTRY.unpack_from(data, whole - _ENTRY.size)[1]
            if last < size:
                with open(path, "rb") as handle:
                    handle.seek(last)
                    start = last + len(handle.readline())
            else:  # the month file is shorter than the index says: index it again
                whole = 0
        if whole != len(data):
            with open(side, "r+b" if side.exists() else "wb") as handle:
                handle.truncate(whole)
            data = data[:whole]
        if start < size:
            entries = []
            with open(path, "rb") as handle:
                handle.seek(start)
                offset = start
                for line in handle:
                    record = _parse(line) if line.strip() else None
                    key = self._key_of(record) if record is not None else None
                    if key is not None:
                        entries.append((_hash(key), offset))
                    offset += len(line)
            data += self._write(month, entries)
        self._covered[month] = size
        self._bit(month)
        return data

    def _write(self, month: str, entries: list[tuple[int, int]]) -> bytes:
        payload = b"".join(_ENTRY.pack(h, o) for h, o in entries)
        if payload:
            side = self._side(month)
            with open(side, "ab") as handle:
                handle.write(payload)
        if self._months is not None:
            bit = 1 << self._bit(month)
            for key_hash, _offset in entries:
                self._months[key_hash] = self._months.get(key_hash, 0) | bit
        return payload

    def _key_of(self, record: dict[str, Any] | None) -> str | None:
        try:
            return str(self.key(record)) if record is not None else None
        except (KeyError, TypeError):
            return None


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
