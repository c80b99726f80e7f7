"""Re-run every console transcript in docs/examples from its own input lines.

Each transcript starts with the console's banner (its start time) and echoes every input
line as ``> 成员@聊天: 输入``; this replays those lines through console mode and rewrites
the file, so the examples always show what the bot says today.
Usage: .venv/bin/python tools/regen_examples.py [--check]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
_BANNER = re.compile(r"模拟时间 (\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
_ECHO = re.compile(r"^> [^:\n]+?@(?:团队群|私聊): (.*)$")


def replay(path: Path) -> str:
    """Return the transcript console mode prints today for the inputs recorded in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = _BANNER.search(lines[0])
    if start is None:
        raise SystemExit(f"{path}: the first line is not a console banner")
    inputs = [m.group(1) for line in lines if (m := _ECHO.match(line))]
    result = subprocess.run(
        [
            sys.executable,
            "bot.py",
            "--console",
            "--config",
            "config.example.toml",
            "--time",
            start.group(1),
        ],
        input="\n".join(inputs) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"},
    )
    if result.returncode != 0:
        raise SystemExit(f"{path}: console mode exited {result.returncode}\n{result.stderr}")
    return result.stdout


def main(argv: list[str]) -> int:
    """Rewrite (or with --check, compare) every transcript; return the exit status."""
    check = "--check" in argv
    stale = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        fresh = replay(path)
        if fresh != path.read_text(encoding="utf-8"):
            stale.append(path.name)
            if not check:
                path.write_text(fresh, encoding="utf-8")
    verb = "out of date" if check else "rewritten"
    print(f"{len(stale)} transcript(s) {verb}: {', '.join(stale) or '-'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
