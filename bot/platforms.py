"""How a platform is named to readers: one name per platform, wherever it is shown."""

from __future__ import annotations

from bot.domain import Platform, SpaceRef
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


def space_label(space: SpaceRef, name: str | None, t: Translator) -> str:
    """A space as readers know it: "Acme (Slack)" when its name is known, else the platform
    and the id ("Slack T0ACME"). The console is simply the console."""
    platform = platform_name(space.platform, t)
    if name is None:
        return f"{platform} {space.external_id}"
    if name == NAMES[space.platform]:
        return platform
    return f"{name} ({platform})"
