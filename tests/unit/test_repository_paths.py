"""Transcripts, tests, benchmarks and tools read only files inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from tests.harness import ROOT
from tools.regen_examples import EXAMPLES

SCANNED = ["docs/examples", "tests", "bench", "tools", ".ci"]
# Folders that exist only on some machine; spelled apart so this file does not match itself.
MACHINE_ROOTS = ["tmp", "var", "root", "home", "Users", "usr", "etc", "opt", "mnt", "srv", "work"]
ABSOLUTE = re.compile(r"(?<![\w.~/-])/(?:" + "|".join(MACHINE_ROOTS) + r")(?=/|\b)")
UPLOAD = re.compile(r"^> [^:\n]+?@(?:团队群|私聊): :(?:photo|file) (\S+)", re.MULTILINE)


def _scanned_files() -> list[Path]:
    files = []
    for folder in SCANNED:
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.is_file()]
    return [p for p in files if "__pycache__" not in p.parts and p.suffix != ".pyc"]


def test_no_transcript_test_benchmark_or_tool_names_a_folder_outside_the_clone() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _scanned_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ABSOLUTE.search(line) and not (number == 1 and line.startswith("#!"))
    ]
    assert found == []


def test_the_scan_would_catch_an_absolute_path() -> None:
    assert ABSOLUTE.search(":photo " + "/" + "tmp/hov/shot.png /checkin")
    assert ABSOLUTE.search('Path("' + "/" + 'home/me/x.j2")')
    assert not ABSOLUTE.search(":photo samples/checkin-qianniu.png /checkin /tmpl")


def test_every_file_a_transcript_sends_is_in_the_repository_by_a_relative_path() -> None:
    sent = [
        (path.name, name)
        for path in sorted(EXAMPLES.glob("*.txt"))
        for name in UPLOAD.findall(path.read_text(encoding="utf-8"))
    ]
    assert len(sent) >= 5
    for transcript, name in sent:
        assert not Path(name).is_absolute(), (transcript, name)
        assert (ROOT / name).is_file(), (transcript, name)
        assert (ROOT / name).resolve().is_relative_to(ROOT), (transcript, name)
