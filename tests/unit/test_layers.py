"""The layers hold: no import cycle in bot/, and the rules and services never touch Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.harness import ROOT

BOT = ROOT / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Return the modules a file imports, counting TYPE_CHECKING imports too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in BOT.rglob("*.py")}
    return {
        name: {m for m in _imports(path) if m in files} - {name} for name, path in files.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_module_of_the_bot_imports_itself_back_even_for_type_checking() -> None:
    graph = _graph()
    # a package's __init__ importing its own modules is how packages re-export, not a cycle
    for name in list(graph):
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_rules_and_the_services_never_import_telegram_tinydb_or_the_handlers() -> None:
    offenders = []
    for folder, banned in (
        ("domain", ("telegram", "tinydb", "jinja2", "bot.handlers", "bot.services")),
        ("services", ("telegram", "tinydb", "bot.handlers", "bot.delivery")),
    ):
        for path in (BOT / folder).rglob("*.py"):
            hits = [m for m in _imports(path) if m.split(".")[0] in banned or m.startswith(banned)]
            offenders.extend(f"{path.relative_to(ROOT)}: {m}" for m in hits)
    assert offenders == []


def test_only_the_persistence_layer_imports_tinydb() -> None:
    outside = [
        str(p.relative_to(ROOT))
        for p in BOT.rglob("*.py")
        if "persistence" not in p.parts and any(m.startswith("tinydb") for m in _imports(p))
    ]
    assert outside == []
