"""How a platform is named to readers: one name per platform, wherever it is shown."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Community, Platform, SpaceRef
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


def space_labels(community: Community, t: Translator) -> tuple[str, ...]:
    """Each of the community's spaces as readers know it, in the community's order."""
    return tuple(space_label(s, community.space_names.get(s), t) for s in community.spaces)


def community_label(community_id: int, labels: Sequence[str]) -> str:
    """A community for operators' reports (English): by its spaces ("Acme (Slack), Helpdesk
    (Discord)"), its internal id only when it has none."""
    return ", ".join(labels) or f"community {community_id}"
