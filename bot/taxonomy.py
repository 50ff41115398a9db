"""The built-in tags, read from the packaged data file taxonomy.toml (see its header for how
to edit it) and checked when Storybot starts: a wrong file stops it with the entry named,
rather than surfacing later as a tag that never matches.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from bot.search_text import words

DATA_FILE = "taxonomy.toml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEXTS = ("slug", "name_en", "name_sv")
_LISTS = ("aliases", "keywords_en", "keywords_sv")


class TaxonomyError(ValueError):
    """The taxonomy file is wrong; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class TagDef:
    slug: str
    name_en: str
    name_sv: str
    aliases: tuple[str, ...]
    keywords_en: tuple[str, ...]
    keywords_sv: tuple[str, ...]

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_en


def load(path: Path | None = None) -> tuple[TagDef, ...]:
    """The tags in `path` (the packaged file by default), in file order, checked."""
    source: Traversable = path or resources.files("bot").joinpath(DATA_FILE)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as failure:
        raise TaxonomyError(f"{source.name}: cannot be read: {failure}") from failure
    entries = data.get("tag")
    if set(data) != {"tag"} or not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{source.name}: expected one or more [[tag]] tables and nothing else")
    found: list[TagDef] = []
    for index, entry in enumerate(entries, start=1):
        tag = _tag(entry, f"{source.name}: tag {index}")
        if any(tag.slug == known.slug for known in found):
            raise TaxonomyError(f"{source.name}: tag {index}: slug {tag.slug!r} is used twice")
        found.append(tag)
    return tuple(found)


def _tag(entry: Any, where: str) -> TagDef:
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where}: expected a table")
    if isinstance(entry.get("slug"), str):
        where = f"{where} ({entry['slug']!r})"
    missing = [key for key in (*_TEXTS, *_LISTS) if key not in entry]
    unknown = sorted(set(entry) - {*_TEXTS, *_LISTS})
    if missing or unknown:
        raise TaxonomyError(f"{where}: missing {missing or 'nothing'}, unknown {unknown or 'none'}")
    for key in _TEXTS:
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise TaxonomyError(f"{where}: {key} must be a non-empty string")
    if not _SLUG.match(entry["slug"]):
        raise TaxonomyError(f"{where}: slug must be lowercase letters, digits and single hyphens")
    for key in _LISTS:
        items = entry[key]
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise TaxonomyError(f"{where}: {key} must be a list of non-empty strings")
    for key in ("keywords_en", "keywords_sv"):
        if not entry[key]:
            raise TaxonomyError(f"{where}: {key} needs at least one keyword")
        for keyword in entry[key]:
            # Suggestions match word by word: a phrase would silently never match.
            if words(keyword) != [keyword.casefold()]:
                raise TaxonomyError(f"{where}: {key}: {keyword!r} is not a single word")
    return TagDef(
        slug=entry["slug"],
        name_en=entry["name_en"],
        name_sv=entry["name_sv"],
        aliases=tuple(entry["aliases"]),
        keywords_en=tuple(entry["keywords_en"]),
        keywords_sv=tuple(entry["keywords_sv"]),
    )


TAXONOMY: tuple[TagDef, ...] = load()
