"""How a platform is named to readers: one name per platform, wherever it is shown."""

from __future__ import annotations

from bot.domain import Platform
from bot.i18n import Translator
from bot.i18n_marker import N_

# Product names stay as they are in every language; only "console" is a word to translate.
NAMES = {
    Platform.SLACK: "Slack",
    Platform.DISCORD: "Discord",
    Platform.CONSOLE: N_("console"),
}


def platform_name(platform: Platform, t: Translator) -> str:
    return t(NAMES[platform])
