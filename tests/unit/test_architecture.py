"""The core stays platform-free: enforced, not just intended."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"slack_bolt", "slack_sdk", "discord", "sqlalchemy", "alembic", "aiosqlite", "asyncpg"}
# The composition roots may reach storage and adapters (lazily, inside functions); the bench
# runner is the composition root of `storybot bench`.
ROOTS = {"bot/bootstrap.py", "bot/cli.py"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_modules_import_no_platform_or_database_library() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN)
        for path in (ROOT / "bot").rglob("*.py")
        if imported_modules(path) & FORBIDDEN
    }
    assert offenders == {}


def test_only_the_composition_roots_reach_storage_and_adapters() -> None:
    offenders = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if path.relative_to(ROOT).as_posix() not in ROOTS
        and imported_modules(path) & {"storage", "adapters"}
    )
    assert offenders == []


def test_importing_the_core_loads_none_of_them() -> None:
    """Catches indirect imports too, and anything done at import time."""
    probe = (
        "import sys, bot.core, bot.cli, bot.bootstrap; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"
