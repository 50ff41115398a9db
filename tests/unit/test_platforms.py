"""One name per platform, the same on a story card and in the list of linked spaces."""

from __future__ import annotations

from bot.domain import Language, Platform
from bot.i18n import Translator
from bot.platforms import platform_name


def test_every_platform_has_a_name_and_only_console_is_translated() -> None:
    en, sv = Translator(Language.EN), Translator(Language.SV)
    assert {p: platform_name(p, en) for p in Platform} == {
        Platform.SLACK: "Slack",
        Platform.DISCORD: "Discord",
        Platform.CONSOLE: "console",
    }
    assert platform_name(Platform.SLACK, sv) == "Slack"
    assert platform_name(Platform.CONSOLE, sv) == "konsolen"
