"""The core stays platform-free: enforced, not just intended."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"slack_bolt", "slack_sdk", "discord", "sqlalchemy", "alembic", "aiosqlite", "asyncpg"}
OUTER = {"storage", "adapters", "tests", "bench"}  # the layers around the core
# The composition root is the one module of bot/ that reaches them (lazily, inside functions).
COMPOSITION_ROOT = "bot/bootstrap.py"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def platform_offenders(root: Path) -> dict[str, list[str]]:
    return {
        str(path.relative_to(root)): sorted(imported_modules(path) & FORBIDDEN)
        for path in (root / "bot").rglob("*.py")
        if imported_modules(path) & FORBIDDEN
    }


def layer_offenders(root: Path) -> dict[str, list[str]]:
    """Modules of bot/ other than the composition root that import an outer layer."""
    return {
        path.relative_to(root).as_posix(): sorted(imported_modules(path) & OUTER)
        for path in (root / "bot").rglob("*.py")
        if path.relative_to(root).as_posix() != COMPOSITION_ROOT and imported_modules(path) & OUTER
    }


def test_core_modules_import_no_platform_or_database_library() -> None:
    assert platform_offenders(ROOT) == {}


def test_only_the_composition_root_reaches_storage_adapters_tests_and_bench() -> None:
    assert layer_offenders(ROOT) == {}


def test_the_check_catches_an_import_planted_in_a_copy_of_the_core(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "bot", tmp_path / "bot")
    assert layer_offenders(tmp_path) == {} and platform_offenders(tmp_path) == {}
    cli = tmp_path / "bot" / "cli.py"  # the CLI too goes through the root
    cli.write_text(cli.read_text(encoding="utf-8") + "\nfrom storage.migrate import upgrade\n")
    handler = tmp_path / "bot" / "handlers" / "reading.py"
    source = handler.read_text(encoding="utf-8")
    handler.write_text(
        source + "\n\ndef _sneak():\n    import tests.fakes.memory\n    import bench\n"
    )
    cards = tmp_path / "bot" / "cards.py"
    cards.write_text(cards.read_text(encoding="utf-8") + "\nimport sqlalchemy.orm\n")
    assert layer_offenders(tmp_path) == {
        "bot/cli.py": ["storage"],
        "bot/handlers/reading.py": ["bench", "tests"],
    }
    assert platform_offenders(tmp_path) == {"bot/cards.py": ["sqlalchemy"]}


def test_importing_the_core_loads_none_of_them() -> None:
    """Catches indirect imports too, and anything done at import time (settings read,
    connections opened)."""
    probe = (
        "import sys, bot.core, bot.cli, bot.bootstrap; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN | OUTER)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "mysql://not-read-at-import"},
    )
    assert result.stdout.strip() == "[]"
