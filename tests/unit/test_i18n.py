"""Every text a user can see exists in Swedish, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.domain import Language
from bot.i18n import Translator, language_for

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "bot/i18n/locales/sv/LC_MESSAGES/messages.po"
KEYWORDS = {"t": None, "N_": None, "plural": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def source_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for folder in ("bot", "adapters"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(tuple(message) if isinstance(message, tuple) else message)
    return found


def test_every_source_message_is_translated_to_swedish() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    missing = []
    for message in source_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        strings = (
            []
            if entry is None
            else (list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        )
        if not strings or not all(strings) or (entry is not None and entry.fuzzy):
            missing.append(key)
    assert sorted(missing) == []


def test_translations_keep_the_placeholders() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    wrong = []
    for entry in catalog:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | ({"n"} if len(ids) > 1 else set())
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) - expected:
                wrong.append(ids[0])
    assert wrong == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv-SE", Language.SV),
        ("sv", Language.SV),
        ("en-GB", Language.EN),
        ("de", Language.EN),
        (None, Language.SV),
        ("", Language.SV),
    ],
)
def test_platform_locales_map_to_a_language(locale: str | None, expected: Language) -> None:
    assert language_for(locale, Language.SV) is expected


def test_swedish_plural_and_dates() -> None:
    import datetime as dt

    t = Translator(Language.SV)
    assert t.plural("{n} story", "{n} stories", 1) != t.plural("{n} story", "{n} stories", 2)
    moment = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert "nov." in t.date(moment, "Europe/Stockholm")
    assert Translator(Language.EN).date(moment, "Europe/Stockholm") == "Nov 23, 2026"


STORY_COMMAND = re.compile(r"/story(?: (\w[\w-]*))?(?: (\w[\w-]*))?")


def test_every_command_a_message_names_exists_on_every_platform() -> None:
    """Discord's command names are English only: a Swedish text that says "/story länka"
    sends Discord users to a command that is not there."""
    from bot.handlers.admin import KEYS
    from bot.parser import SUBCOMMANDS

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    texts = [str(m if isinstance(m, str) else m[0]) for m in source_messages()]
    for entry in catalog:
        texts.extend(
            s for s in (entry.string if isinstance(entry.string, tuple) else [entry.string]) if s
        )
    wrong = []
    for text in texts:
        for command, argument in STORY_COMMAND.findall(text):
            unknown_command = command and command not in SUBCOMMANDS
            unknown_setting = command == "config" and argument and argument not in KEYS
            if unknown_command or unknown_setting:
                wrong.append(text)
    assert wrong == []
