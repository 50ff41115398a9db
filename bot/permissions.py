"""Who may do what. Every handler asks here; no adapter decides on its own."""

from __future__ import annotations

from bot.commands import Actor
from bot.domain import Community, Story
from bot.errors import NotFound, PermissionDenied
from bot.i18n_marker import N_


def member_key(actor: Actor, user_id: str | None = None) -> str:
    """Moderator ids are stored per platform, so a Slack id never matches a Discord one."""
    return f"{actor.space.platform}:{user_id or actor.user_id}"


def is_moderator(actor: Actor, community: Community) -> bool:
    settings = community.settings
    if actor.is_admin or member_key(actor) in settings.moderator_users:
        return True
    return any(f"{actor.space.platform}:{role}" in settings.moderator_roles for role in actor.roles)


def require_moderator(actor: Actor, community: Community) -> None:
    if not is_moderator(actor, community):
        raise PermissionDenied(N_("Only moderators can do that."))


def can_see(story: Story, actor: Actor, moderator: bool) -> bool:
    return story.published or moderator or is_author(story, actor)


def is_author(story: Story, actor: Actor) -> bool:
    return story.is_author(actor.space.platform, actor.user_id)


def require_visible(story: Story | None, number: int, actor: Actor, moderator: bool) -> Story:
    """Hidden stories look exactly like missing ones to everyone but their author and moderators."""
    if story is None or not can_see(story, actor, moderator):
        raise NotFound(N_("There is no story #{number}."), number=number)
    return story
