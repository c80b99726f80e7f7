"""Measure how long loading the reply scripts takes at a start, with slow templates in it.

Run: ``.venv/bin/python bench/scripts_start.py [--slow 10]``. The shipped catalogue plus
``--slow`` templates that each loop close to the render step bound is loaded twice over the
same data folder: the first start renders every template once (the check), the second finds
their fingerprints in ``scripts_checked.txt`` and only parses them. A third load runs without
the fingerprint file, as every start did before.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock
from bot.config.scripts import PROJECT_ROOT, ScriptsSettings
from bot.scripts import ScriptBook, build_environment

TZ = ZoneInfo("Asia/Shanghai")
SLOW = (
    "{#\n标题: 慢模板 %d\n分类: 测试\n#}\n"
    "{%% for i in range(300) %%}{%% for j in range(150) %%}{%% endfor %%}{%% endfor %%}好\n"
)


def load(folder: Path, checked: Path | None) -> float:
    """Return the seconds one start spends loading the catalogue."""
    settings = ScriptsSettings(folder=folder)
    clock = ManualClock(datetime(2026, 11, 23, 8, 30, tzinfo=TZ))
    began = time.perf_counter()
    book = ScriptBook(
        build_environment(folder), settings, {"name": "店"}, clock, TZ, checked=checked
    )
    problems = book.load()
    assert not problems, problems
    return time.perf_counter() - began


def main() -> None:
    """Print the load time of a first start, a later start, and a start without the cache."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "templates"
        shutil.copytree(PROJECT_ROOT / "scripts_templates", folder)
        (folder / "test").mkdir()
        for n in range(args.slow):
            (folder / "test" / f"slow{n}.j2").write_text(SLOW % n, encoding="utf-8")
        checked = Path(tmp) / "data" / "scripts_checked.txt"
        count = len(list(folder.glob("*/*.j2")))
        print(f"{count} templates, {args.slow} of them slow")
        print(f"first start (checks every template): {load(folder, checked):.2f} s")
        print(f"next start (fingerprints known):     {load(folder, checked):.2f} s")
        print(f"start without fingerprints:          {load(folder, None):.2f} s")


if __name__ == "__main__":
    main()
