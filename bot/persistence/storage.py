"""TinyDB storage: a snapshot file plus an fsynced journal of changes, served from memory.

``<name>.json`` is a TinyDB file as before (the snapshot). Every write appends one line to
``<name>.json.journal`` naming the documents it changed, numbered, and fsyncs it, so a write
costs what it changes, not what the file holds. When the journal outgrows the snapshot it
is folded in on a background thread: the journal is sealed (renamed ``.journal.<number of
its last line>``) so appends go on in a fresh one, a copy of the tables as they are is
encoded document by document (the encoder would otherwise hold the GIL for the whole file)
and replaces the snapshot atomically, which records the number of the last line it holds;
then the sealed journals are removed. Reading replays the sealed journals and the journal,
only lines the snapshot does not hold; a torn last line (a crash during the append, never
confirmed) is dropped, any other unreadable line stops the bot naming the file.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import tempfile
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

log = logging.getLogger(__name__)

JOURNAL_SUFFIX = ".journal"
# Fold the journal in when it is larger than the snapshot times this, and this many bytes.
COMPACT_RATIO = 2
COMPACT_MIN_BYTES = 256 * 1024

# The snapshot's own bookkeeping, hidden from TinyDB: the number of the last journal line
# it holds, so lines folded in already are never replayed over a newer snapshot.
APPLIED_TABLE = "_journal"

Data = dict[str, dict[str, Any]]


class StorageCorrupt(Exception):
    """A data file cannot be used as it is; the bot must stop and never overwrite it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"数据文件 {path} 无法解析（{reason}）。机器人已停止且不会覆盖它："
            f"请从 backups/ 恢复或修复该文件后再启动。"
        )
        self.path = path
        self.reason = reason


# Encode this many documents of a background fold between two chances for the event loop's
# thread to take the GIL (a document is encoded in C, holding it).
FOLD_SLICE = 200

# Test-only: when set, called with the stage a write has reached, so a test can kill the
# process exactly there. Snapshot rewrites on the writer's thread: "half-written" (the temp
# file holds half the text), "synced" (the temp file is whole, not yet in place), "replaced"
# (in place, the folder not yet synced), "snapshot-in-place" (the journals not yet removed).
# Background folds: "fold-sealed" (the journal renamed, nothing folded yet), then on the
# fold's thread "fold-half-written", "fold-synced", "fold-replaced", "fold-in-place" (the
# sealed journals not yet removed). Journal appends: "journal-half" (half a line written),
# "journal-synced" (the line is durable, the write not yet confirmed). None in production,
# which costs one comparison per stage.
pause_hook: Callable[[str], None] | None = None

# One thread folds every file's journal in, one file at a time.
_folder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-fold")


def write_atomically(path: Path, text: str, stage: str = "") -> None:
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
                pause_hook(f"{stage}half-written")
                handle.write(text[len(text) // 2 :])
            handle.flush()
            os.fsync(handle.fileno())
        if pause_hook is not None:
            pause_hook(f"{stage}synced")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if pause_hook is not None:
        pause_hook(f"{stage}replaced")
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def journal_of(path: Path) -> Path:
    """Return the journal file that belongs to a snapshot file."""
    return path.with_name(path.name + JOURNAL_SUFFIX)


def sealed_journals(path: Path) -> list[tuple[int, Path]]:
    """Return the sealed journals of a snapshot file with their last line's number, in order."""
    prefix = journal_of(path).name + "."
    found = []
    for candidate in path.parent.glob(f"{prefix}*"):
        number = candidate.name[len(prefix) :]
        if number.isdigit():
            found.append((int(number), candidate))
    return sorted(found)


def encode_snapshot(data: Data) -> str:
    """Return a snapshot's text, encoding one document at a time so other threads get the GIL.

    Tables and documents are read as they are: the caller passes a copy no one changes.
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    parts = ["{"]
    count = 0
    for t, (name, table) in enumerate(data.items()):
        parts.append(f"{',' if t else ''}{encode(name)}:{{")
        for d, (doc_id, doc) in enumerate(table.items()):
            parts.append(f"{',' if d else ''}{encode(doc_id)}:{encode(doc)}")
            count += 1
            if count % FOLD_SLICE == 0:
                time.sleep(0)  # hand the GIL to a waiting thread (the event loop's)
        parts.append("}")
    parts.append("}")
    return "".join(parts)


def parse_snapshot(path: Path, raw: bytes) -> Data:
    """Return the tables of a snapshot's bytes; raise StorageCorrupt saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StorageCorrupt(path, f"不是 UTF-8 文本：第 {err.start + 1} 个字节") from None
    if not text.strip():
        raise StorageCorrupt(path, "文件是空的；只有不存在的文件才会当作空数据库")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise StorageCorrupt(path, f"JSON 格式错误：{err}") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StorageCorrupt(path, "顶层结构不是 TinyDB 的表")
    for name, table in data.items():
        for doc_id, doc in table.items():
            if not doc_id.isdigit() or not isinstance(doc, dict):
                raise StorageCorrupt(path, f"表 {name} 的第 {doc_id} 条不是 TinyDB 的文档")
    return data


class JournalStorage(Storage):
    """A snapshot and its journal, read once, then served from memory.

    TinyDB hands the dict returned by ``read`` to its tables; ``IndexedTable`` changes it in
    place and calls ``commit`` with what it changed. Any failed write drops the memory copy,
    so the next read comes from disk again and memory never claims what the disk lacks.
    While a background fold encodes its copy of the tables, ``folding`` is true and
    ``IndexedTable`` hands updaters a copy of each document it would change in place.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.journal_path = journal_of(self.path)
        self._data: Data | None = None
        self._fd: int | None = None
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._seq = 0  # number of the last journal line written or read
        self._fold: Future[int] | None = None
        self.generation = 0  # bumped at every (re)load; tables rebuild their indexes then

    @property
    def folding(self) -> bool:
        """Whether a background fold may still be reading the documents in memory."""
        return self._fold is not None and not self._fold.done()

    def read(self) -> Data | None:
        """Return the whole database (parsed once, then from memory)."""
        if self._data is None:
            self._data = self._load()
            self.generation += 1
        return self._data

    def write(self, data: Data) -> None:
        """Write the whole database (TinyDB's own writes, e.g. dropping a table)."""
        try:
            self.settle()
            self._rewrite(data)
        except BaseException:
            self.invalidate()
            raise
        self._data = data

    def commit(
        self, table: str, changed: dict[str, Any], removed: list[str], cleared: bool
    ) -> None:
        """Record durably what one write did to one table (memory holds it already)."""
        # Even a write of a whole table is one line: rewriting the snapshot here instead
        # would cost the writer a whole-file write and fsync; the fold does it off its path.
        data = self.read()
        assert data is not None
        self._seq += 1
        entry: dict[str, Any] = {"seq": self._seq, "table": table}
        if cleared:
            entry["clear"] = True
        if removed:
            entry["delete"] = removed
        if changed:
            entry["set"] = changed
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            self._append(line.encode("utf-8"))
        except BaseException:
            self.invalidate()
            raise
        self._reap()
        if self._fold is None and self._journal_bytes > max(
            COMPACT_MIN_BYTES, COMPACT_RATIO * self._snapshot_bytes
        ):
            try:
                self._start_fold(data)
            except OSError as err:  # the write is in the journal; folding it in can wait
                log.warning("could not fold %s into %s: %s", self.journal_path, self.path, err)

    def current_generation(self) -> int:
        """Return the generation of the memory copy, loading it first if need be."""
        if self._data is None:
            self.read()
        return self.generation

    def invalidate(self) -> None:
        """Forget the memory copy; the next read reloads snapshot and journal from disk."""
        self._data = None
        self._close_journal()

    def settle(self) -> None:
        """Wait for a background fold to end (before a whole rewrite, a reload or closing)."""
        if self._fold is not None:
            with contextlib.suppress(Exception):  # logged by _reap; the journals hold it all
                self._fold.result()
            self._reap()

    def compact(self) -> None:
        """Fold the journals into the snapshot now, on this thread (at shutdown)."""
        self.settle()
        if self._data is not None and (self._journal_bytes or sealed_journals(self.path)):
            self.write(self._data)

    def close(self) -> None:
        """Fold the journals in when they hold anything, and close them (removed when empty)."""
        try:
            self.compact()
        except OSError as err:  # the journal still holds every write; the next start replays it
            log.warning("could not fold %s into %s: %s", self.journal_path, self.path, err)
        self._close_journal()
        if self._data is not None and not self._journal_bytes:
            self.journal_path.unlink(missing_ok=True)

    def _load(self) -> Data:
        self.settle()  # a fold removing sealed journals must not race this read
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            data: Data = {}
            self._snapshot_bytes = 0
        else:
            data = parse_snapshot(self.path, raw)
            self._snapshot_bytes = len(raw)
        applied = data.pop(APPLIED_TABLE, {}).get("1", {}).get("applied", 0)
        last = applied
        for _number, sealed in sealed_journals(self.path):
            last = max(last, replay(sealed, data, applied)[1])
        self._journal_bytes, current = replay(self.journal_path, data, applied)
        self._seq = max(last, current)
        return data

    def _append(self, payload: bytes) -> None:
        if self._fd is None:
            created = not self.journal_path.exists()
            self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            if created:
                # Also makes the rename of a sealed journal durable before this line counts.
                _fsync_folder(self.journal_path.parent)
        try:
            view = memoryview(payload)
            half = len(payload) // 2
            while view:
                written = os.write(self._fd, view[: max(half, 1)] if half else view)
                view = view[written:]
                if half and pause_hook is not None:
                    pause_hook("journal-half")
                half = 0
            os.fsync(self._fd)
            if pause_hook is not None:
                pause_hook("journal-synced")
        except BaseException:
            # Cut what part of the line reached the file, so the next line starts clean.
            try:
                os.ftruncate(self._fd, self._journal_bytes)
            except OSError:
                log.exception("could not cut a failed append from %s", self.journal_path)
            raise
        self._journal_bytes += len(payload)

    def _start_fold(self, data: Data) -> None:
        """Seal the journal and fold everything up to its last line in on the fold thread.

        Every line up to ``_seq`` is durable and in memory, so a copy of the tables now is
        the state of that line. Tables are copied here (cheap: references); the documents
        are shared, and ``IndexedTable`` copies one before changing it while ``folding``.
        """
        seq = self._seq
        self._close_journal()
        sealed = self.journal_path.with_name(f"{self.journal_path.name}.{seq}")
        os.replace(self.journal_path, sealed)
        self._journal_bytes = 0
        if pause_hook is not None:
            pause_hook("fold-sealed")
        tables = {name: dict(table) for name, table in data.items()}
        tables[APPLIED_TABLE] = {"1": {"applied": seq}}
        self._fold = _folder.submit(_fold_in, self.path, tables, seq)

    def _reap(self) -> None:
        """Take the outcome of a finished background fold."""
        if self._fold is None or not self._fold.done():
            return
        fold, self._fold = self._fold, None
        try:
            self._snapshot_bytes = fold.result()
        except Exception as err:  # the sealed journals stay; the next fold includes them
            log.warning("could not fold %s into %s: %s", self.journal_path, self.path, err)

    def _rewrite(self, data: Data) -> None:
        marked = {**data, APPLIED_TABLE: {"1": {"applied": self._seq}}}
        text = json.dumps(marked, ensure_ascii=False, sort_keys=True)
        write_atomically(self.path, text)
        if pause_hook is not None:
            pause_hook("snapshot-in-place")
        self._snapshot_bytes = len(text.encode("utf-8"))
        # The snapshot says which lines it holds: a crash before the journals are removed
        # only leaves lines that the next read skips. Removed rather than emptied, so a
        # journal is only ever appended to (a backup copies it as it is while it grows).
        self._close_journal()
        for _number, sealed in sealed_journals(self.path):
            sealed.unlink(missing_ok=True)
        if self._journal_bytes:
            self.journal_path.unlink(missing_ok=True)
        self._journal_bytes = 0

    def _close_journal(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fold_in(path: Path, tables: Data, seq: int) -> int:
    """Replace the snapshot with ``tables`` (the state of line ``seq``), then drop the sealed
    journals it holds; return the snapshot's size. Runs on the fold thread."""
    text = encode_snapshot(tables)
    write_atomically(path, text, stage="fold-")
    if pause_hook is not None:
        pause_hook("fold-in-place")
    for number, sealed in sealed_journals(path):
        if number <= seq:
            sealed.unlink(missing_ok=True)
    return len(text.encode("utf-8"))


def replay(journal: Path, data: Data, applied: int = 0) -> tuple[int, int]:
    """Apply a journal's lines numbered above ``applied`` to ``data``.

    Return the length of the journal's confirmed part and the number of its last line.

    Every append ends with a newline, so a last piece without one (or a last line that does
    not parse) is a write that was never confirmed: it is dropped and cut from the file.
    Any earlier bad line is corruption and stops the bot.
    """
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return 0, 0
    pos = 0
    number = 0
    last = 0
    while pos < len(raw):
        number += 1
        end = raw.find(b"\n", pos)
        if end == -1:
            _cut(journal, pos, "an append without its newline")
            return pos, last
        line = raw[pos:end]
        if line.strip():
            try:
                entry = _entry(line)
            except ValueError:
                if end + 1 >= len(raw):
                    _cut(journal, pos, "an unreadable last line")
                    return pos, last
                raise StorageCorrupt(journal, f"第 {number} 行无法解析") from None
            last = entry["seq"]
            if last > applied:
                _apply(entry, data)
        pos = end + 1
    return pos, last


def _cut(journal: Path, length: int, what: str) -> None:
    log.warning("dropping %s from %s (a write that was never confirmed)", what, journal)
    with open(journal, "r+b") as handle:
        handle.truncate(length)
        handle.flush()
        os.fsync(handle.fileno())


def _entry(line: bytes) -> dict[str, Any]:
    """Return one journal entry, checked whole before anything is applied."""
    try:
        entry = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(str(err)) from None
    if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
        raise ValueError("not a journal entry")
    if not isinstance(entry.get("seq"), int):
        raise ValueError("not a journal entry")
    if not isinstance(entry.get("delete", []), list) or not isinstance(entry.get("set", {}), dict):
        raise ValueError("not a journal entry")
    for doc_id, doc in entry.get("set", {}).items():
        if not doc_id.isdigit() or not isinstance(doc, dict):
            raise ValueError("not a document")
    return entry


def _apply(entry: dict[str, Any], data: Data) -> None:
    table = data.setdefault(entry["table"], {})
    if entry.get("clear"):
        table.clear()
    for doc_id in entry.get("delete", ()):
        table.pop(str(doc_id), None)
    table.update(entry.get("set", {}))


class _ChangeView(MutableMapping[int, Any]):
    """The raw table as TinyDB's updaters see it (int ids), remembering what they touch."""

    def __init__(self, raw: dict[str, Any], copy_first: bool = False) -> None:
        self.raw = raw
        self.touched: set[str] = set()
        self.removed: set[str] = set()
        self.cleared = False
        # While a background fold encodes the documents, one the updater may change in
        # place is replaced by a copy first, so the fold sees it as it was.
        self.copy_first = copy_first

    def __getitem__(self, key: int) -> Any:
        doc_id = str(key)
        if self.copy_first and doc_id not in self.touched:
            self.raw[doc_id] = copy.deepcopy(self.raw[doc_id])
        doc = self.raw[doc_id]
        self.touched.add(doc_id)  # the updater may change it in place
        return doc

    def __setitem__(self, key: int, value: Any) -> None:
        self.raw[str(key)] = value
        self.touched.add(str(key))

    def __delitem__(self, key: int) -> None:
        del self.raw[str(key)]
        self.removed.add(str(key))

    def __contains__(self, key: object) -> bool:
        return str(key) in self.raw

    def __iter__(self) -> Iterator[int]:
        return iter([int(k) for k in self.raw])

    def __len__(self) -> int:
        return len(self.raw)

    def clear(self) -> None:
        self.raw.clear()
        self.cleared = True
        self.touched.clear()
        self.removed.clear()


KeyFunction = Callable[[Mapping[str, Any]], Hashable]


class _Index:
    """One index: value → document ids, and each document's value to undo it.

    An ordered index keeps (value, id) pairs sorted instead, for ranges; documents whose
    value is None are left out of it.
    """

    def __init__(self, key: KeyFunction, ordered: bool = False) -> None:
        self.key = key
        self.ids: dict[Hashable, set[str]] = {}
        self.value_of: dict[str, Hashable] = {}
        self.order: list[tuple[Any, int]] | None = [] if ordered else None

    def add(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        value = self.key(doc)
        self.value_of[doc_id] = value
        if self.order is None:
            self.ids.setdefault(value, set()).add(doc_id)
        elif value is not None:
            insort(self.order, (value, int(doc_id)))

    def fill(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        """Index every document of a freshly read table (one sort, not one insort each)."""
        for doc_id, doc in docs.items():
            value = self.key(doc)
            self.value_of[doc_id] = value
            if self.order is None:
                self.ids.setdefault(value, set()).add(doc_id)
        if self.order is not None:
            self.order = sorted(
                (value, int(doc_id))
                for doc_id, value in self.value_of.items()
                if value is not None
            )

    def drop(self, doc_id: str) -> None:
        if doc_id not in self.value_of:
            return
        value = self.value_of.pop(doc_id)
        if self.order is not None:
            if value is not None:
                del self.order[bisect_left(self.order, (value, int(doc_id)))]
            return
        ids = self.ids[value]
        ids.discard(doc_id)
        if not ids:
            del self.ids[value]


class IndexedTable(Table):
    """A TinyDB table whose writes cost what they change and whose lookups never scan.

    ``index(name, key)`` declares an index over a field (or any function of a document);
    ``get_by`` / ``search_by`` / ``ids_by`` then answer from it (from an ordered one,
    ``range_by``). Indexes are kept up to date by every write through this table and rebuilt
    when the storage reloads from disk.
    """

    def __init__(self, storage: Storage, name: str, **kwargs: Any) -> None:
        super().__init__(storage, name, **kwargs)
        self._keys: dict[str, tuple[KeyFunction, bool]] = {}
        self._indexes: dict[str, _Index] = {}
        self._indexed_at: int | None = None
        self._writes = 0

    def index(self, name: str, key: KeyFunction | None = None, ordered: bool = False) -> None:
        """Declare an index ``name`` over ``key(doc)`` (default: the field ``name``);
        ``ordered`` keeps it sorted instead, for :meth:`range_by` (its values must compare)."""
        if name not in self._keys:
            self._keys[name] = (key or (lambda doc: doc.get(name)), ordered)
            self._indexed_at = None

    def ids_by(self, name: str, value: Hashable) -> list[int]:
        """Return the ids of documents whose index ``name`` has ``value``, ascending."""
        ids = self._index(name).ids.get(value)
        if not ids:
            return []
        if len(ids) == 1:
            return [int(next(iter(ids)))]
        return sorted(int(i) for i in ids)

    def get_by(self, name: str, value: Hashable) -> Document | None:
        """Return the document (lowest id) whose index ``name`` has ``value``."""
        ids = self.ids_by(name, value)
        if not ids:
            return None
        return self.document_class(self._read_table()[str(ids[0])], ids[0])

    def search_by(self, name: str, value: Hashable) -> list[Document]:
        """Return the documents whose index ``name`` has ``value``, by id."""
        raw = self._read_table()
        return [self.document_class(raw[str(i)], i) for i in self.ids_by(name, value)]

    def range_by(self, name: str, low: Any = None, high: Any = None) -> list[tuple[Any, int]]:
        """Return (value, id) of the documents whose ordered index ``name`` has a value in
        [``low``, ``high``) (None: unbounded), by value then id."""
        order = self._index(name).order
        if order is None:
            raise ValueError(f"index {name} is not ordered")
        start = 0 if low is None else bisect_left(order, (low,))
        end = len(order) if high is None else bisect_left(order, (high,), start)
        return order[start:end]

    def values_of(self, name: str) -> list[Hashable]:
        """Return the distinct values of index ``name``."""
        return list(self._index(name).ids)

    def raw(self) -> dict[str, Any]:
        """Return the stored documents by id, straight from memory (read only)."""
        return self._read_table()

    @property
    def version(self) -> tuple[int | None, int]:
        """Return a value that changes whenever the table's contents may have changed."""
        return self._generation(), self._writes

    def _generation(self) -> int | None:
        storage = self._storage
        if isinstance(storage, JournalStorage):
            return storage.current_generation()
        return None

    def _index(self, name: str) -> _Index:
        generation = self._generation()
        if generation is None or self._indexed_at != generation:
            self._indexes = {n: _Index(k, o) for n, (k, o) in self._keys.items()}
            docs = self._read_table()
            for index in self._indexes.values():
                index.fill(docs)
            self._indexed_at = generation
        return self._indexes[name]

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> None:
        self._writes += 1
        storage = self._storage
        if not isinstance(storage, JournalStorage):
            super()._update_table(updater)
            self._indexed_at = None
            return
        tables = storage.read()
        assert tables is not None
        fresh = self._indexed_at == storage.generation
        raw = tables.setdefault(self.name, {})
        view = _ChangeView(raw, copy_first=storage.folding)
        try:
            updater(view)  # type: ignore[arg-type]
            changed = {k: raw[k] for k in view.touched if k in raw}
            removed = sorted((view.removed | view.touched) - raw.keys(), key=int)
            if changed or removed or view.cleared:
                storage.commit(self.name, changed, removed, view.cleared)
        except BaseException:
            storage.invalidate()
            self._indexed_at = None
            raise
        finally:
            self.clear_cache()
        if not fresh or view.cleared:
            self._indexed_at = None
            return
        for doc_id in view.touched | view.removed:
            for index in self._indexes.values():
                index.drop(doc_id)
                if doc_id in raw:
                    index.add(doc_id, raw[doc_id])


class Database(TinyDB):
    """TinyDB whose tables are ``IndexedTable``."""

    table_class = IndexedTable


def open_db(path: Path) -> Database:
    """Open a TinyDB over a journaled, memory-cached JSON file."""
    return Database(path, storage=JournalStorage)


# The name the rest of the bot (and older tests) know the storage by.
AtomicJSONStorage = JournalStorage
