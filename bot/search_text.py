"""Words, lemmas and compound parts for full-text search, computed in the core.

Both databases get the same normalised text, so search behaves identically on SQLite and
PostgreSQL. Stories may be in English or Swedish and we do not guess which: every word becomes
its Swedish and English dictionary forms (bot.lemmas: "leveranser" -> "leverans", "bytte" ->
"byta", "delayed" -> "delay"), or, for a word neither dictionary knows, its Snowball stems;
any of them may match. The same function serves indexing and queries, so a word always meets
its own normalisation.

Swedish compounds are split at indexing against the Swedish word list ("fakturafelet" ->
"faktura" + "fel", "ersättningsbussar" -> "ersättning" + "buss"); the parts are indexed apart
from the words, so a story found only through a part ranks after stories with the word itself.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Literal

import Stemmer

from bot import lemmas
from bot.ports import SearchDoc, SearchQuery

StemLanguage = Literal["sv", "en"]

QUERY_GROUPS_MAX = 10

# A query word this long also finds compounds containing it; shorter ones ("fel", "bil")
# would turn up inside too many unrelated words ("Rafael", "mobil").
PART_QUERY_MIN = 4
# Compound parts shorter than this are not indexed (no query could look for them), and a
# compound is only split into parts at least this long, which keeps chance splits rare.
PART_MIN = 4
COMPOUND_MIN = 2 * PART_MIN
# Longer "words" (a pasted hash, "aaaa…") are not split: real compounds are far shorter.
COMPOUND_MAX = 40

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


def _single_word(text: str) -> str | None:
    """`text` if it is one word as words() splits it (dictionary forms may hold "etc.")."""
    found = words(text)
    return found[0] if len(found) == 1 else None


def stems(word: str) -> tuple[str, ...]:
    """The distinct Swedish and English Snowball stems of one word from words(), Swedish first."""
    if not word:
        return ()
    swedish = _stemmer("sv").stemWord(word)
    english = _stemmer("en").stemWord(word)
    return (swedish,) if swedish == english else (swedish, english)


def language_terms(word: str, language: StemLanguage) -> tuple[str, ...]:
    """One language's terms for a word from words(): its dictionary form, and the word itself
    when it is a dictionary form too ("ursäkt", which simplemma files under "ursäkta"); its
    Snowball stem when the language does not know it."""
    found = lemmas.lemma(word, language)
    single = _single_word(found) if found else None
    if single is None:
        return (_stemmer(language).stemWord(word),)
    if single != word and lemmas.is_headword(word, language):
        return (single, word)
    return (single,)


@functools.lru_cache(maxsize=65536)
def terms(word: str) -> tuple[str, ...]:
    """What a word from words() is indexed and searched as: its Swedish and English dictionary
    forms (language_terms), Swedish first; the Snowball stems when neither dictionary knows it."""
    if not word:
        return ()
    found: dict[str, None] = {}
    for language in ("sv", "en"):
        if lemmas.known(word, language):
            for term in language_terms(word, language):
                found.setdefault(term, None)
    return tuple(found) if found else stems(word)


def _known_part(text: str) -> str | None:
    """A Swedish word as a compound part: itself, or without a linking -s ("butiks")."""
    if len(text) < PART_MIN:
        return None
    if lemmas.known(text, "sv"):
        return text
    if text.endswith("s") and len(text) > PART_MIN and lemmas.known(text[:-1], "sv"):
        return text[:-1]
    return None


@functools.lru_cache(maxsize=65536)
def _split(word: str) -> tuple[str, ...] | None:
    """The Swedish words a compound is made of, None when it is not one. Fewest parts win,
    then the longest last part: the last part carries the meaning ("biträde" in
    "butiksbiträdet"), and short last parts are where chance splits hide."""
    best: tuple[str, ...] | None = None
    for cut in range(PART_MIN, len(word) - PART_MIN + 1):
        head = _known_part(word[:cut])
        if head is None:
            continue
        tail = word[cut:]
        rest = (tail,) if lemmas.known(tail, "sv") else _split(tail)
        if rest is None:
            continue
        candidate = (head, *rest)
        if best is None or (len(candidate), -len(candidate[-1])) < (len(best), -len(best[-1])):
            best = candidate
    return best


@functools.lru_cache(maxsize=65536)
def parts(word: str) -> tuple[str, ...]:
    """The terms of a compound's parts that the word's own terms do not already hold."""
    if not COMPOUND_MIN <= len(word) <= COMPOUND_MAX or not word.isalpha():
        return ()
    if lemmas.known(word, "en"):  # "together" is no Swedish compound, whatever its pieces
        return ()
    split = _split(word)
    if split is None:
        return ()
    own = set(terms(word))
    found: dict[str, None] = {}
    for part in split:
        for term in terms(part):
            if term not in own:
                found.setdefault(term, None)
    return tuple(found)


def _all_terms(texts: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}  # an ordered set: first occurrence wins, output is stable
    for text in texts:
        if not text:
            continue
        for word in words(text):
            for term in terms(word):
                seen.setdefault(term, None)
    return list(seen)


def _all_parts(texts: Iterable[str | None], exclude: Iterable[str]) -> list[str]:
    skip = set(exclude)
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in words(text):
            for term in parts(word):
                if term not in skip:
                    seen.setdefault(term, None)
    return list(seen)


def document(title: str, text: str, customer: str | None, tag_terms: list[str]) -> SearchDoc:
    """What to index for a story: every word's terms in `body`, the title's and tags' also in
    `strong`, and the compound parts that are not words of the story in `parts`."""
    texts = [title, text, customer, *tag_terms]
    body = _all_terms(texts)
    return SearchDoc(
        body=" ".join(body),
        strong=" ".join(_all_terms([title, *tag_terms])),
        parts=" ".join(_all_parts(texts, body)),
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
    """A search: each distinct word must match through any of its terms; at most ten words.
    Stop words are dropped, unless the search has nothing else. A word of PART_QUERY_MIN
    letters or more may also match as a compound part."""
    found = words(text)
    meaningful = [word for word in found if word not in STOP_WORDS] or found
    groups: dict[tuple[str, ...], bool] = {}
    for word in meaningful:
        group = terms(word)
        groups[group] = groups.get(group, False) or len(word) >= PART_QUERY_MIN
        if len(groups) == QUERY_GROUPS_MAX:
            break
    return SearchQuery(groups=tuple(groups), in_parts=tuple(groups.values()))


# Search order (issue 15/16): every word in the title or tags, then every word in the story,
# then stories that need a compound part for some word; newest first within each tier.
TIER_STRONG = 2
TIER_BODY = 1
TIER_PART = 0


def tier(search: SearchQuery, body: set[str], strong: set[str], parts: set[str]) -> int | None:
    """Which tier a story with these indexed terms falls in for `search`; None: no match.
    The rule the databases implement in SQL (storage.search); the in-memory fake calls it."""
    groups = search.groups
    if all(strong.intersection(group) for group in groups):
        return TIER_STRONG
    if all(body.intersection(group) for group in groups):
        return TIER_BODY
    flags = search.in_parts + (False,) * (len(groups) - len(search.in_parts))
    if all(
        body.intersection(group) or (flag and parts.intersection(group))
        for group, flag in zip(groups, flags, strict=True)
    ):
        return TIER_PART
    return None
