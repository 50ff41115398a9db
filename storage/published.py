"""PublishedRepository over SQLAlchemy: what the public web wall may read.

Every query carries the whole rule (see bot.wall): wall on, customer consent, the author's
choice, published. Deleted stories are gone from the table, so they need no condition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true

from bot.domain import Community, Status, Story
from bot.ports import PublishedSlice
from storage.communities import to_communities, with_spaces
from storage.models import CommunityRow, StoryRow, StoryTagRow
from storage.repositories import Repository, guarded
from storage.stories import _to_story, story_rows


def _public(community_id: int) -> ColumnElement[bool]:
    """The story's share of the rule; the wall's share is checked by `wall()` first."""
    return and_(
        StoryRow.community_id == community_id,
        StoryRow.on_wall == true(),
        StoryRow.consent == true(),
        StoryRow.status == Status.PUBLISHED.value,
    )


def _walls() -> Select[Any]:
    return with_spaces().where(CommunityRow.wall_enabled == true())


class SqlPublishedRepository(Repository):
    @guarded
    async def wall(self, token: str) -> Community | None:
        rows = await self._session.execute(_walls().where(CommunityRow.wall_token == token))
        found = to_communities(rows)
        return found[0] if found else None

    @guarded
    async def walls(self) -> list[Community]:
        return to_communities(await self._session.execute(_walls()))

    @guarded
    async def page(
        self, community_id: int, tag: str | None, before: int | None, size: int
    ) -> PublishedSlice:
        stmt = story_rows().where(_public(community_id))
        # A tag page walks the tag's own index (community, tag, number) newest first, as
        # browse by tag does; ordering by stories.number would walk every public story.
        order = StoryRow.number
        if tag is not None:
            stmt = stmt.join(StoryTagRow, StoryTagRow.story_id == StoryRow.id).where(
                StoryTagRow.community_id == community_id, StoryTagRow.tag == tag
            )
            order = StoryTagRow.number  # kept equal to stories.number by every write
        if before is not None:
            stmt = stmt.where(order < before)
        stmt = stmt.order_by(order.desc()).limit(max(size, 0) + 1)
        rows = [_to_story(row) for row in await self._session.execute(stmt)]
        more = len(rows) > size
        rows = rows[:size]
        return PublishedSlice(rows, rows[-1].number if more and rows else None)

    @guarded
    async def story(self, community_id: int, number: int) -> Story | None:
        stmt = story_rows().where(_public(community_id), StoryRow.number == number)
        row = (await self._session.execute(stmt)).first()
        return _to_story(row) if row else None

    @guarded
    async def tag_counts(self, community_id: int, recent: int) -> list[tuple[str, int]]:
        """Over the newest `recent` public stories only: the wall's filter stays one bounded
        index walk however large the community grows."""
        tag = StoryTagRow.tag.collate("C") if self._dialect == "postgresql" else StoryTagRow.tag
        newest = (
            select(StoryRow.id)
            .where(_public(community_id))
            .order_by(StoryRow.number.desc())
            .limit(max(recent, 0))
            .subquery()
        )
        count = func.count().label("n")
        stmt = (
            select(StoryTagRow.tag, count)
            .join(newest, newest.c.id == StoryTagRow.story_id)
            .group_by(StoryTagRow.tag)
            .order_by(count.desc(), tag.asc())
        )
        return [(t, n) for t, n in await self._session.execute(stmt)]

    @guarded
    async def tagged_since(
        self, community_id: int, since: dt.datetime
    ) -> list[tuple[dt.datetime, str]]:
        stmt = (
            select(StoryRow.created_at, StoryTagRow.tag)
            .join(StoryTagRow, StoryTagRow.story_id == StoryRow.id)
            .where(_public(community_id), StoryRow.created_at >= since)
        )
        return [(at, tag) for at, tag in await self._session.execute(stmt)]

    @guarded
    async def most_appreciated(
        self, community_id: int, since: dt.datetime, limit: int
    ) -> list[Story]:
        stmt = (
            story_rows()
            .where(_public(community_id), StoryRow.created_at >= since, StoryRow.appreciations > 0)
            .order_by(
                StoryRow.appreciations.desc(), StoryRow.created_at.asc(), StoryRow.number.asc()
            )
            .limit(max(limit, 0))
        )
        return [_to_story(row) for row in await self._session.execute(stmt)]
