"""Measure one insert and one update by file size: the journal against whole-file rewrites.

Run: ``.venv/bin/python bench/storage_write.py [--sizes 1000 10000 50000] [--repeat 20]``.
Three ways to keep a TinyDB file crash-safe are compared: ``open_db`` (the bot's storage: an
fsynced journal line per write, folded into the snapshot when it outgrows it), the previous
design (the whole file rewritten atomically: temp file, fsync, rename) and TinyDB's own
``JSONStorage`` (whole file rewritten in place, not crash-safe). "encode ms" is the JSON
encoding of the whole file alone: the CPU part of every whole-file rewrite, and what 16
shards would divide by 16.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.persistence.storage import open_db, write_atomically


class AtomicRewrite(JSONStorage):
    """The previous design: parse once, then rewrite the whole file atomically per write."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        """Return the cached database."""
        if self._data is None:
            self._data = json.loads(self.path.read_text()) if self.path.exists() else {}
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the whole file."""
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, sort_keys=True))
        self._data = data

    def close(self) -> None:
        """Nothing to close."""


def record(n: int) -> dict[str, object]:
    """Return a record shaped like a handover item (about 250 bytes of JSON)."""
    return {
        "id": n,
        "shop": "天猫旗舰店",
        "order_no": f"{3900000000000000 + n}",
        "kind": "退款",
        "text": f"客户要求退款，已联系仓库核实物流，订单 {n} 待回复",
        "by": "1",
        "at": "2026-11-23T01:00:00+00:00",
        "status": "open",
    }


def fill(db: TinyDB, size: int) -> None:
    """Insert ``size`` records in one write."""
    db.table("items").insert_multiple(record(n) for n in range(size))


def timed(action: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of ``action`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(db: TinyDB, size: int, repeat: int) -> tuple[float, float, float, float]:
    """Return insert, update by id, update by query and whole-file JSON encoding (ms)."""
    fill(db, size)
    table = db.table("items")
    counter = iter(range(size, size + repeat * 2))
    insert = timed(lambda: table.insert(record(next(counter))), repeat)
    by_id = timed(lambda: table.update({"status": "done"}, doc_ids=[size // 2]), repeat)
    item = Query()
    by_query = timed(lambda: table.update({"status": "open"}, item.id == size // 2), repeat)
    data = db.storage.read()
    encode = timed(lambda: json.dumps(data, ensure_ascii=False, sort_keys=True), repeat)
    return insert, by_id, by_query, encode


def main() -> int:
    """Print a table of write costs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dir", type=Path, help="where to write (default: a temp folder)")
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="bench-", dir=args.dir))
    kinds: list[tuple[str, Callable[[Path], TinyDB]]] = [
        ("open_db (journal)", open_db),
        ("whole-file atomic rewrite", lambda p: TinyDB(p, storage=AtomicRewrite)),
        ("TinyDB JSONStorage", lambda p: TinyDB(p, storage=JSONStorage)),
    ]
    print(f"folder: {where}   median of {args.repeat} writes")
    print(
        f"{'storage':<27}{'records':>8}{'file KB':>9}{'insert ms':>11}{'by id ms':>10}"
        f"{'by query':>10}{'encode ms':>11}"
    )
    for size in args.sizes:
        for name, opener in kinds:
            path = where / f"{name.split()[0]}-{size}.json"
            db = opener(path)
            insert, by_id, by_query, encode = measure(db, size, args.repeat)
            db.close()
            kb = sum(p.stat().st_size for p in where.glob(path.name + "*")) / 1024
            print(
                f"{name:<27}{size:>8}{kb:>9.0f}{insert:>11.1f}{by_id:>10.1f}{by_query:>10.1f}"
                f"{encode:>11.1f}"
            )
    shutil.rmtree(where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
