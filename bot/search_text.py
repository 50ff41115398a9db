"""Words and stems for full-text search, computed in the core.

Both databases get the same pre-stemmed text, so search behaves identically on SQLite and
PostgreSQL. Stories may be in English or Swedish and we do not guess which: every word is
stemmed with both Snowball stemmers and either stem may match.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal

import Stemmer

from bot.ports import SearchDoc, SearchQuery

StemLanguage = Literal["sv", "en"]

QUERY_GROUPS_MAX = 10

_SNOWBALL_NAMES: dict[StemLanguage, str] = {"sv": "swedish", "en": "english"}

# Runs of characters that str.isalnum() accepts: Unicode letters and digits, never '_'.
# The storage layer builds FTS query syntax from these, so nothing else may get through.
_WORD = re.compile(r"[^\W_]+")

# PyStemmer objects are not thread-safe; each thread gets its own, created on first use.
_local = threading.local()


def _stemmer(language: StemLanguage) -> Stemmer.Stemmer:
    stemmers: dict[str, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = Stemmer.Stemmer(_SNOWBALL_NAMES[language])
    return stemmer


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    # Case folding can leave a combining mark that has no precomposed form (İ -> i + U+0307).
    # Drop such marks rather than let them split a word in two; å, ä and ö are precomposed
    # by NFKC and survive.
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not unicodedata.category(c).startswith("M"))


def words(text: str) -> list[str]:
    """The text's words: NFKC, case-folded, split on anything not a letter or digit."""
    return _WORD.findall(_fold(text))


def stem_all(items: Sequence[str], language: StemLanguage) -> list[str]:
    """Stem already-split words with one language's Snowball stemmer."""
    return _stemmer(language).stemWords(items) if items else []


def stems(word: str) -> tuple[str, ...]:
    """The distinct Swedish and English stems of one word from words(), Swedish first."""
    if not word:
        return ()
    swedish = _stemmer("sv").stemWord(word)
    english = _stemmer("en").stemWord(word)
    return (swedish,) if swedish == english else (swedish, english)


def _all_stems(texts: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}  # an ordered set: first occurrence wins, output is stable
    for text in texts:
        if not text:
            continue
        for word in words(text):
            for stem in stems(word):
                seen.setdefault(stem, None)
    return list(seen)


def document(title: str, text: str, customer: str | None, tag_terms: list[str]) -> SearchDoc:
    """What to index for a story: all stems in `body`, title and tag stems also in `strong`."""
    return SearchDoc(
        body=" ".join(_all_stems([title, text, customer, *tag_terms])),
        strong=" ".join(_all_stems([title, *tag_terms])),
    )


# Words too common to narrow a search: "the delay" means "delay", "om förseningen" too.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "to",
        "was",
        "were",
        "with",
        "och",
        "i",
        "att",
        "det",
        "som",
        "en",
        "ett",
        "på",
        "är",
        "av",
        "för",
        "med",
        "till",
        "den",
        "de",
        "om",
        "var",
        "har",
        "inte",
        "men",
        "jag",
        "du",
        "vi",
        "hon",
        "han",
    ]
)


def query(text: str) -> SearchQuery:
    """A search: each distinct word must match through any of its stems; at most ten words.
    Stop words are dropped, unless the search has nothing else."""
    found = words(text)
    meaningful = [word for word in found if word not in STOP_WORDS] or found
    groups: dict[tuple[str, ...], None] = {}
    for word in meaningful:
        groups.setdefault(stems(word), None)
        if len(groups) == QUERY_GROUPS_MAX:
            break
    return SearchQuery(groups=tuple(groups))
