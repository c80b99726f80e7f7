"""Re-run every console transcript in docs/examples from its own input lines.

Each transcript starts with the console's banner (its start time) and echoes every input
line as ``> 成员@聊天: 输入``; this replays those lines through console mode (strict, from
the repository root) and rewrites the file, so the examples always show what the bot says
today. A transcript in which a console command failed or Telegram would refuse a message is
not written: the run exits 1 naming the transcript and its line.
Usage: .venv/bin/python tools/regen_examples.py [--check] [TRANSCRIPT ...]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, the tools folder is on the path, not the root

from bot.console import FAILED_LINE  # noqa: E402

EXAMPLES = ROOT / "docs" / "examples"
_BANNER = re.compile(r"模拟时间 (\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
_ECHO = re.compile(r"^> [^:\n]+?@(?:团队群|私聊): (.*)$")


class ReplayFailed(Exception):
    """A transcript could not be replayed cleanly; the message names the file and line."""


def replay(path: Path) -> str:
    """Return the transcript console mode prints today for the inputs recorded in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = _BANNER.search(lines[0]) if lines else None
    if start is None:
        raise ReplayFailed(f"{path}:1: the first line is not a console banner")
    echoed = [
        (number, m.group(1)) for number, line in enumerate(lines, 1) if (m := _ECHO.match(line))
    ]
    # Nothing else from the caller's environment (no token, no locale) may change the output;
    # TMPDIR is where the console's throwaway data folder goes.
    env = {"PYTHONHASHSEED": "0"}
    env |= {key: os.environ[key] for key in ("PATH", "TMPDIR") if key in os.environ}
    result = subprocess.run(
        [
            sys.executable,
            "bot.py",
            "--console",
            "--strict",
            "--config",
            "config.example.toml",
            "--time",
            start.group(1),
        ],
        input="".join(f"{text}\n" for _, text in echoed),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
        check=False,
    )
    failed = [m for line in result.stderr.splitlines() if (m := FAILED_LINE.match(line))]
    if failed:
        # Input line n is the n-th echoed line; 0 means while starting, before any input.
        where = [echoed[int(m.group(1)) - 1][0] if int(m.group(1)) else 1 for m in failed]
        raise ReplayFailed(
            "\n".join(
                f"{path}:{line}: {m.group(2)}" for line, m in zip(where, failed, strict=True)
            )
        )
    if result.returncode != 0:
        raise ReplayFailed(f"{path}: console mode exited {result.returncode}\n{result.stderr}")
    return result.stdout


def main(argv: list[str]) -> int:
    """Rewrite (or with --check, compare) the transcripts; return the exit status."""
    check = "--check" in argv
    named = [Path(arg) for arg in argv if arg != "--check"]
    stale, broken = [], []
    for path in named or sorted(EXAMPLES.glob("*.txt")):
        try:
            fresh = replay(path)
        except ReplayFailed as err:
            print(err, file=sys.stderr)
            broken.append(path.name)
            continue
        if fresh != path.read_text(encoding="utf-8"):
            stale.append(path.name)
            if not check:
                path.write_text(fresh, encoding="utf-8")
    verb = "out of date" if check else "rewritten"
    print(f"{len(stale)} transcript(s) {verb}: {', '.join(stale) or '-'}")
    if broken:
        print(
            f"{len(broken)} transcript(s) failed, not written: {', '.join(broken)}",
            file=sys.stderr,
        )
        return 1
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
