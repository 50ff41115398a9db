"""Translations: gettext catalogs (.po, read with Babel) and locale-aware formatting.

English is the source language; the Swedish catalog lives in locales/sv/LC_MESSAGES.
Catalogs load on first use, not at import.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.domain import Language

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"


@cache
def _catalog(language: Language) -> gettext.NullTranslations:
    po = LOCALES / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language.value)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def language_for(locale: str | None, fallback: Language) -> Language:
    """Map a platform locale tag ("sv-SE", "sv", "en-GB") to a supported language."""
    if locale:
        primary = locale.replace("_", "-").split("-")[0].lower()
        for language in Language:
            if language.value == primary:
                return language
        return Language.EN if primary else fallback
    return fallback


@lru_cache(maxsize=4096)
def _local_date(day: dt.date, language: Language) -> str:
    """Cached: a page of story cards formats the same few days, and Babel parses its locale
    and pattern on every call (a tenth of a browse's time)."""
    return format_date(day, "medium", locale=language)


class Translator:
    """Translate and format for one reader. Call it like gettext: t("Hello {name}", name=…)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._translations = _catalog(language)

    def __call__(self, message: str, /, **params: Any) -> str:
        translated = self._translations.gettext(message)
        return translated.format(**params) if params else translated

    def plural(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        translated = self._translations.ngettext(singular, plural, n)
        return translated.format(n=n, **params)

    def date(self, moment: dt.datetime, timezone: str) -> str:
        return _local_date(moment.astimezone(ZoneInfo(timezone)).date(), self.language)

    def datetime(self, moment: dt.datetime, timezone: str) -> str:
        local = moment.astimezone(ZoneInfo(timezone))
        return format_datetime(local, "medium", tzinfo=ZoneInfo(timezone), locale=self.language)

    def weekday(self, iso_weekday: int) -> str:
        """The name of an ISO weekday (Monday = 1) in this language."""
        return get_day_names("wide", locale=self.language)[iso_weekday - 1]
