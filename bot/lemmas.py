"""Dictionary forms of Swedish and English words, from simplemma's word lists.

simplemma ships one word-form -> lemma table per language (about 960,000 Swedish and 180,000
English forms). We look words up directly instead of calling `simplemma.lemmatize`, because its
fallback strategies guess at unknown words; an unknown word is better left to the Snowball
stemmer (bot.search_text), which treats every form of it alike.

Held in memory as Python dicts the two tables cost about 130 MB per process, more than the
whole bot otherwise uses. So the first process to need them copies them once into a read-only
SQLite file in the user's cache directory (a few seconds, in a child process so this one never
holds the dicts), and every process then looks words up in that file: a few microseconds per
word, and only the pages read stay in memory.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from importlib import metadata
from pathlib import Path
from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

# Forms simplemma maps to the wrong word: "bytte" (past of "byta", to change) is listed under
# "bytta" (a tub). Kept to forms a story is likely to use; each was checked against the table.
_OVERRIDES: dict[Language, dict[str, str]] = {
    "sv": {"bytte": "byta", "bytt": "byta", "bytts": "byta"},
    "en": {},
}

_lock = threading.Lock()
_local = threading.local()  # one read-only connection per thread
_ready: Path | None = None


def _cache_file() -> Path:
    """STORYBOT_CACHE_DIR, else the user's cache directory, else the temporary directory."""
    explicit = os.environ.get("STORYBOT_CACHE_DIR")
    if explicit:
        root = Path(explicit)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "storybot"
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only home: the table is only a cache
            root = Path(tempfile.gettempdir()) / "storybot"
    return root / f"lemmas-v2-simplemma-{metadata.version('simplemma')}.sqlite3"


def _build(target: Path) -> None:
    """Write the tables to `target` (run in a child process: see the module doc)."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    factory = DefaultDictionaryFactory()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(temporary)
        for language in LANGUAGES:
            db.execute(f"CREATE TABLE {language} (word TEXT PRIMARY KEY, lemma TEXT) WITHOUT ROWID")
            table = factory.get_dictionary(language)
            db.executemany(
                f"INSERT OR IGNORE INTO {language} VALUES (?, ?)",
                ((word, table[word]) for word in table),
            )
            db.execute(f"CREATE INDEX {language}_lemma ON {language} (lemma)")
        db.commit()
        db.close()
        os.replace(temporary, target)  # atomic: readers see no file or a whole one
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _path() -> Path:
    global _ready
    if _ready is not None:
        return _ready
    with _lock:
        path = _cache_file()
        if not path.exists():
            subprocess.run([sys.executable, "-m", "bot.lemmas", str(path)], check=True)
        _ready = path
    return path


def _db() -> sqlite3.Connection:
    db: sqlite3.Connection | None = getattr(_local, "db", None)
    if db is None:
        db = _local.db = sqlite3.connect(f"file:{_path()}?mode=ro", uri=True)
    return db


def load() -> None:
    """Prepare the tables now, so the first search or submission does not wait for them."""
    _db()


def lemma(word: str, language: Language) -> str | None:
    """The dictionary form of a case-folded word, or None when the language does not know it."""
    override = _OVERRIDES[language].get(word)
    if override is not None:
        return override
    row = _db().execute(f"SELECT lemma FROM {language} WHERE word = ?", (word,)).fetchone()
    return row[0].casefold() if row is not None else None


def known(word: str, language: Language) -> bool:
    return lemma(word, language) is not None


def is_headword(word: str, language: Language) -> bool:
    """Whether some form has `word` as its dictionary form. simplemma gives one lemma per
    form, and for some it picks another word: "ursäkt" (an apology) is listed under the verb
    "ursäkta", while "ursäkten" is listed under "ursäkt"."""
    found = _db().execute(f"SELECT 1 FROM {language} WHERE lemma = ? LIMIT 1", (word,))
    return found.fetchone() is not None


if __name__ == "__main__":
    # `python -m bot.lemmas` prepares the cache where every process will look for it (for an
    # image build: set STORYBOT_CACHE_DIR for the build and the bot alike); with a path, it
    # writes there (the child process of _path).
    if len(sys.argv) > 1:
        _build(Path(sys.argv[1]))
    else:
        print(_path())
