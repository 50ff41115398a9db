"""The public web wall: who may see what, and under which names.

A story is public only when all hold: the community's wall is on, the customer consented, the
author chose the wall, and the story is neither hidden nor deleted. Storage applies the same
rule in its queries (bot.ports.PublishedRepository); this module holds the rule's names and
turns a stored story into what a stranger may read.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from bot import tags
from bot.domain import Community, CommunitySettings, IsoWeek, Story
from bot.i18n import Translator
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.weekly import current_week, local_now

TOKEN_BYTES = 18  # 144 random bits: unguessable, and 24 URL-safe characters
WALL_PAGE_SIZE = 20
TAG_FILTER_STORIES = 1000  # the wall's tag filter counts the newest this many public stories


def new_wall_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def wall_path(token: str) -> str:
    return f"/wall/{token}"


def wall_address(settings: CommunitySettings, base_url: str | None) -> str | None:
    """The wall's address as moderators should share it: absolute when the base is known."""
    if settings.wall_token is None:
        return None
    return (base_url or "").rstrip("/") + wall_path(settings.wall_token)


def is_public(story: Story, settings: CommunitySettings) -> bool:
    return settings.wall_enabled and story.publishable


def public_author(story: Story, t: Translator) -> str:
    """First name and last initial ("Anna S."), or "Anonymous"."""
    if story.anonymous:
        return t("Anonymous")
    words = story.author.display_name.split()
    if not words:
        return t("Anonymous")
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0]}."


def public_credited(story: Story) -> tuple[str, ...]:
    """Credited colleagues by first name; a colleague whose name is unknown is left out
    (a bare platform id means nothing outside the chat)."""
    names = (story.credited_names.get(user_id, "").split() for user_id in story.credited)
    return tuple(words[0] for words in names if words)


@dataclass(frozen=True, slots=True)
class PublicStory:
    """What a stranger may read of a story. The text is already masked when stored."""

    number: int
    title: str
    text: str
    customer: str | None
    author: str
    credited: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]  # (slug, display name)
    created_at: dt.datetime
    updated_at: dt.datetime
    appreciations: int
    featured: bool = False


def public_story(story: Story, t: Translator, *, featured: bool = False) -> PublicStory:
    return PublicStory(
        number=story.number,
        title=story.title,
        text=story.text,
        customer=story.customer,
        author=public_author(story, t),
        credited=public_credited(story),
        tags=tuple((slug, tags.display_name(slug, t.language)) for slug in story.tags),
        created_at=story.created_at,
        updated_at=story.updated_at,
        appreciations=story.appreciations,
        featured=featured,
    )


@dataclass(frozen=True, slots=True)
class WallPage:
    community: Community
    featured: Story | None  # the story of the week, on top of the first page
    stories: list[Story]  # newest first, the featured one left out
    older: int | None  # the number to continue from, when more lie beyond


class WallReader:
    """Read-only access to published stories for the web adapter, one unit of work per call.

    Every method first finds the wall by its token; an unknown token and a wall that is off
    both give None, so callers answer both the same way.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock | None = None) -> None:
        self._uow = uow
        self._clock: Clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def now(self) -> dt.datetime:
        return self._clock()

    async def walls(self) -> list[Community]:
        async with self._uow() as uow:
            return await uow.published.walls()

    async def page(
        self,
        token: str,
        tag: str | None = None,
        before: int | None = None,
        size: int = WALL_PAGE_SIZE,
    ) -> WallPage | None:
        async with self._uow() as uow:
            community = await uow.published.wall(token)
            if community is None:
                return None
            # The story of the week tops the untagged wall's first page, and is left out of
            # the list on every page so that nobody reads it twice.
            featured = await self._featured(uow, community) if tag is None else None
            found = await uow.published.page(community.id, tag, before, size)
            stories = [s for s in found.stories if featured is None or s.number != featured.number]
            return WallPage(community, featured if before is None else None, stories, found.older)

    async def story(self, token: str, number: int) -> tuple[Community, Story, bool] | None:
        async with self._uow() as uow:
            community = await uow.published.wall(token)
            if community is None:
                return None
            story = await uow.published.story(community.id, number)
            if story is None:
                return None
            featured = await self._featured(uow, community)
            return community, story, featured is not None and featured.number == number

    async def community(self, token: str) -> Community | None:
        async with self._uow() as uow:
            return await uow.published.wall(token)

    async def tags(self, token: str) -> list[tuple[str, int]] | None:
        async with self._uow() as uow:
            community = await uow.published.wall(token)
            if community is None:
                return None
            return await uow.published.tag_counts(community.id, TAG_FILTER_STORIES)

    async def insights(
        self, token: str, since: dt.datetime, best: int
    ) -> tuple[Community, list[tuple[dt.datetime, str]], list[Story]] | None:
        """The tags of public stories since `since`, and the `best` most appreciated public
        stories of this calendar month in the community's time zone."""
        async with self._uow() as uow:
            community = await uow.published.wall(token)
            if community is None:
                return None
            local = local_now(community.settings, self.now())
            month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            tagged = await uow.published.tagged_since(community.id, since)
            top = await uow.published.most_appreciated(community.id, month.astimezone(dt.UTC), best)
            return community, tagged, top

    async def _featured(self, uow: UnitOfWork, community: Community) -> Story | None:
        """This week's story of the week, if it is public."""
        week: IsoWeek = current_week(community.settings, self.now())
        feature = await uow.features.get(community.id, week)
        if feature is None:
            return None
        return await uow.published.story(community.id, feature.story_number)
