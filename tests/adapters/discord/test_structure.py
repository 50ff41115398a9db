"""The Discord adapter's shape: no import cycle among its modules, no service locator, and
nothing taken from a core handler module (adapters speak to the core through commands)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "adapters" / "discord"


def imports(path: Path) -> set[str]:
    """Every module a file imports, typing-only imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {f"adapters.discord.{p.stem}": p for p in PACKAGE.glob("*.py")}
    return {name: imports(path) & modules.keys() for name, path in modules.items()}


def test_no_import_cycle_between_discord_modules() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, " -> ".join([*path, module])
        if module in done:
            return
        for target in edges[module]:
            visit(target, [*path, module])
        done.add(module)

    for module in edges:
        visit(module, [])


def test_no_core_handler_import_and_no_service_locator() -> None:
    for path in PACKAGE.glob("*.py"):
        assert not any(m.startswith("bot.handlers") for m in imports(path)), path.name
        assert "interaction.client." not in path.read_text(encoding="utf-8"), path.name
