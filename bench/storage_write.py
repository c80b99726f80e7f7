"""Measure one insert and one update through open_db against plain TinyDB, by file size.

Run: ``.venv/bin/python bench/storage_write.py [--sizes 1000 10000] [--repeat 20] [--dir D]``.
TinyDB rewrites the whole file on every write, so the cost grows with the records it holds;
this shows by how much, and what the atomic write (temp file, fsync, rename) adds.
"encode ms" is the JSON encoding alone (as open_db writes it): the CPU part of every write.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.persistence.storage import open_db


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


def measure(db: TinyDB, size: int, repeat: int) -> tuple[float, float, float]:
    """Return (insert ms, update ms, of which JSON encoding ms) for ``size`` records."""
    fill(db, size)
    table = db.table("items")
    counter = iter(range(size, size + repeat * 2))
    insert = timed(lambda: table.insert(record(next(counter))), repeat)
    item = Query()
    update = timed(lambda: table.update({"status": "done"}, item.id == size // 2), repeat)
    data = db.storage.read()
    encode = timed(lambda: json.dumps(data, ensure_ascii=False, sort_keys=True), repeat)
    return insert, update, encode


def main() -> int:
    """Print a table of write costs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dir", type=Path, help="where to write (default: a temp folder)")
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="bench-", dir=args.dir))
    kinds: list[tuple[str, Callable[[Path], TinyDB]]] = [
        ("open_db (atomic, cached)", open_db),
        ("TinyDB JSONStorage", lambda p: TinyDB(p, storage=JSONStorage)),
    ]
    print(f"folder: {where}   median of {args.repeat} writes")
    print(
        f"{'storage':<26}{'records':>9}{'file KB':>10}{'insert ms':>11}{'update ms':>11}"
        f"{'encode ms':>11}"
    )
    for size in args.sizes:
        for name, opener in kinds:
            path = where / f"{name.split()[0]}-{size}.json"
            db = opener(path)
            insert, update, encode = measure(db, size, args.repeat)
            db.close()
            kb = path.stat().st_size / 1024
            print(f"{name:<26}{size:>9}{kb:>10.0f}{insert:>11.1f}{update:>11.1f}{encode:>11.1f}")
    for path in where.iterdir():
        path.unlink()
    where.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
