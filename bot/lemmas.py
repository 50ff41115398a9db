"""Dictionary forms of Swedish and English words, from simplemma's word lists.

simplemma ships one word-form -> lemma table per language (about 960,000 Swedish and 180,000
English forms). We look words up directly instead of calling `simplemma.lemmatize`, because its
fallback strategies guess at unknown words; an unknown word is better left to the Snowball
stemmer (bot.search_text), which treats every form of it alike.

The tables are loaded once per process, on first use or by `load()` at start-up (about two
seconds), and are shared by every thread: they are only read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Literal

Language = Literal["sv", "en"]

# Forms simplemma maps to the wrong word: "bytte" (past of "byta", to change) is listed under
# "bytta" (a tub). Kept to forms a story is likely to use; each was checked against the table.
_OVERRIDES: dict[Language, dict[str, str]] = {
    "sv": {"bytte": "byta", "bytt": "byta", "bytts": "byta"},
    "en": {},
}

_lock = threading.Lock()
_tables: dict[Language, Mapping[str, str]] = {}


def _table(language: Language) -> Mapping[str, str]:
    table = _tables.get(language)
    if table is None:
        with _lock:
            table = _tables.get(language)
            if table is None:
                from simplemma.strategies.dictionaries import DefaultDictionaryFactory

                table = DefaultDictionaryFactory().get_dictionary(language)
                _tables[language] = table
    return table


def load() -> None:
    """Read both tables now, so the first search or submission does not wait for them."""
    _table("sv")
    _table("en")


def lemma(word: str, language: Language) -> str | None:
    """The dictionary form of a case-folded word, or None when the language does not know it."""
    override = _OVERRIDES[language].get(word)
    if override is not None:
        return override
    found = _table(language).get(word)
    return found.casefold() if found is not None else None


def known(word: str, language: Language) -> bool:
    return word in _OVERRIDES[language] or _table(language).get(word) is not None
