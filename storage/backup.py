"""`storybot db backup FILE`: a consistent copy of a live SQLite database.

SQLite's online backup API copies page by page and restarts when a writer changes a page it
already copied, so the copy is a snapshot even while the bot keeps writing. PostgreSQL has
its own tool for this (pg_dump), which knows the server's roles, versions and formats better
than we could.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy import make_url

from storage.engine import normalise_url

PG_DUMP_HINT = (
    "storybot db backup copies SQLite databases only. For PostgreSQL use its own tool, e.g. "
    '`pg_dump --format=custom --file=storybot.dump "$DATABASE_URL"` '
    "(see docs/DEPLOYMENT.md, Backups)."
)


class BackupError(RuntimeError):
    """No backup was written; the message says why and what to do."""


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path:
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{url!r} does not name a SQLite file.")
    return Path(database)


async def backup(url: str, target: Path) -> int:
    """Write a snapshot of the SQLite database at `url` to `target` (which must not exist);
    returns its size in bytes. The copy appears under its name only once complete."""
    if not is_sqlite(url):
        raise BackupError(PG_DUMP_HINT)
    return await asyncio.to_thread(_backup, sqlite_file(url), target)


def _backup(source: Path, target: Path) -> int:
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # Only reads (checked above that it exists, so connecting creates nothing); the
        # backup API takes a read lock per step, never the write lock the bot needs.
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"The copy failed its integrity check: {verdict}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
