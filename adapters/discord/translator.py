"""Swedish names for what Discord shows before the bot is ever asked: command descriptions,
option descriptions and the message menu's name, taken from the bot's own catalogs.

Slash command and option names stay English, as the help text and the docs spell them.
"""

from __future__ import annotations

from discord import Locale
from discord.app_commands import (
    ContextMenu,
    TranslationContextLocation,
    TranslationContextTypes,
    Translator,
    locale_str,
)

from bot.domain import Language
from bot.i18n import Translator as Catalog

# Discord's locale for each language the bot speaks, English being the source.
LOCALES = {Locale.swedish: Language.SV}
NAME_MAX = 32
TEXT_MAX = 100
_NAMES = (
    TranslationContextLocation.command_name,
    TranslationContextLocation.group_name,
    TranslationContextLocation.parameter_name,
    TranslationContextLocation.choice_name,
)


class CommandTranslator(Translator):
    async def translate(
        self, string: locale_str, locale: Locale, context: TranslationContextTypes
    ) -> str | None:
        language = LOCALES.get(locale)
        if language is None:
            return None
        is_name = context.location in _NAMES
        if is_name and not isinstance(context.data, ContextMenu):
            return None
        translated = Catalog(language)(string.message)
        if translated == string.message or len(translated) > (NAME_MAX if is_name else TEXT_MAX):
            return None  # untranslated, or too long for Discord: English is shown
        return translated
